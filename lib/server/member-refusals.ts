import type { ActionResult } from './action-result';

/** What a member action was trying to do, for the wording of its refusal. */
export type MemberAction = 'leave' | 'remove' | 'role';

/**
 * Better Auth refuses to leave a workspace without its creator role (Sluice's maintainer) in its own
 * words ("…the organization as the only owner"); Sluice says workspace and maintainer, and what to
 * do instead. Keyed by Better Auth's error codes, which are stable where its messages are not.
 */
const WORDS: Record<string, Partial<Record<MemberAction, string>>> = {
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER: {
    leave: 'You are the only maintainer of this workspace: make another member a maintainer before you leave.',
    remove: 'A workspace keeps at least one maintainer, and only a maintainer removes one: make another member a maintainer first.',
  },
  YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER: {
    role: 'You are the only maintainer of this workspace: make another member a maintainer before you change your own role.',
  },
};

/** The result with a Better Auth refusal of `action` reworded; any other result as it is. */
export function inSluiceWords<T>(result: ActionResult<T>, action: MemberAction): ActionResult<T> {
  if (result.ok) return result;
  const message = WORDS[result.code]?.[action];
  return message ? { ...result, message } : result;
}
