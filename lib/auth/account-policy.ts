import type { AccountPolicy } from '../config/signup';
import { DEFAULT_WORKSPACE_ID } from '../datasets/dataset-key';
import type { PrismaClient } from '../store/prisma';
import { displayName } from './display-name';

/**
 * The account policy applied to the database: who may sign up, who may create workspaces. Better
 * Auth's own endpoints call these from lib/auth/create-auth.ts (so a request straight to
 * /api/auth/… is held to them); pages call them to say what is possible.
 */

type Db = Pick<PrismaClient, 'user' | 'member' | 'invitation'>;

/**
 * A workspace's slug is its address: in console URLs, the relay's query, and the CLI's
 * `WORKSPACE/NAME` (and so in operators' cron lines). One rule for every way a workspace is made
 * (the console's form and Better Auth's /organization/create alike), and it never changes once
 * made: a slug that could be renamed away and taken again by another workspace would send the
 * same links and `sluice pull other/name` lines to that workspace's datasets.
 */
export const WORKSPACE_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,47}$/;
export const WORKSPACE_SLUG_RULE = 'a workspace slug is 1 to 48 lower-case letters, digits and dashes, starting with a letter or digit';

/** A workspace's name: the display-name rule, for the console's form and Better Auth's endpoints alike. */
export const WorkspaceName = displayName('a workspace name', 100);

/** An account's name: the display-name rule (the console shows its email next to it, names being anyone's choice). */
export const AccountName = displayName('a name', 100);

/**
 * A profile picture may only be an https: URL or an inline data:image/ (a `javascript:` or
 * http: URL would run or load from wherever the account's owner chose, in other members' pages).
 */
export function accountImageRefusal(image: unknown): string | null {
  if (image === undefined || image === null || image === '') return null;
  if (typeof image === 'string' && (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(image) || isHttpsUrl(image))) return null;
  return 'a profile image must be an https:// URL or a data:image/ URL';
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Why Better Auth's organization endpoints (reachable over HTTP whatever the pages offer) may not
 * make this change to a workspace's address, or null: a new slug must follow the rule; an existing
 * slug never changes; the default workspace, which the CLI's bare names refer to, is never deleted.
 */
export function workspaceAddressRefusal(change: { create: { slug?: string } } | { update: { slug?: unknown } } | { delete: { id: string } }): string | null {
  if ('create' in change) return WORKSPACE_SLUG_PATTERN.test(change.create.slug ?? '') ? null : WORKSPACE_SLUG_RULE;
  if ('update' in change) return change.update.slug === undefined ? null : "a workspace's slug is its address (links, the CLI's WORKSPACE/NAME) and never changes; its name may";
  return change.delete.id === DEFAULT_WORKSPACE_ID ? 'the default workspace holds the datasets the CLI names without a workspace; it is never deleted' : null;
}

/** Why `value` fails `rule` (a display-name schema), or null: for Better Auth's hooks, which get raw bodies. */
export function nameRefusal(rule: typeof WorkspaceName, value: unknown): string | null {
  const r = rule.safeParse(value);
  return r.success ? null : r.error.issues[0].message;
}

/** An invitation that can still be used: pending and not expired. */
export async function usableInvitation(db: Db, invitationId: string | undefined) {
  if (!invitationId) return null;
  const inv = await db.invitation.findUnique({
    where: { id: invitationId },
    include: { organization: { select: { id: true, name: true, slug: true } }, inviter: { select: { name: true, email: true } } },
  });
  return inv && inv.status === 'pending' && inv.expiresAt > new Date() ? inv : null;
}

export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Whether the first account exists (made by /setup; until then, nobody may sign up). */
export async function isSetUp(db: Db): Promise<boolean> {
  return (await db.user.count()) > 0;
}

/**
 * Why creating an account for `email` is refused, or null when allowed:
 * - before setup nobody signs up (the first account is /setup's, atomically);
 * - with an invitation, only the invited address, and only while the invitation is usable;
 * - otherwise only when the operator opened sign-up.
 *
 * The invitation id (from the link, a bearer secret) is required: knowing an invited address is
 * not enough, since addresses are not verified.
 */
export async function signupRefusal(db: Db, policy: AccountPolicy, req: { email: string; invitationId?: unknown }): Promise<string | null> {
  if (!(await isSetUp(db))) return 'Sluice is not set up yet: the first account is created on the /setup page.';
  if (req.invitationId !== undefined && req.invitationId !== null && req.invitationId !== '') {
    if (typeof req.invitationId !== 'string') return 'invalid invitation';
    const inv = await usableInvitation(db, req.invitationId);
    if (!inv) return 'This invitation is unknown, cancelled, already used or expired: ask a maintainer for a new one.';
    if (!sameEmail(inv.email, req.email)) return `This invitation is for ${inv.email}: sign up with that address.`;
    return null;
  }
  if (policy.openSignup) return null;
  return 'Sign-up is by invitation only: open the invitation link a workspace maintainer gave you.';
}

/** Whether the account may create a workspace from the console (SLUICE_WORKSPACE_CREATORS). */
export async function mayCreateWorkspace(db: Db, policy: AccountPolicy, userId: string): Promise<boolean> {
  switch (policy.workspaceCreators) {
    case 'everyone':
      return true;
    case 'nobody':
      return false;
    case 'maintainers': {
      const roles = await db.member.findMany({ where: { userId }, select: { role: true } });
      // One role per member (roleRefusal; the 20261208400001 migration mended stored lists).
      return roles.some((m) => m.role === 'maintainer');
    }
  }
}

export const WORKSPACE_CREATORS_MESSAGE: Record<AccountPolicy['workspaceCreators'], string> = {
  maintainers: 'Only maintainers of a workspace may create workspaces: ask a maintainer to invite you to one instead.',
  everyone: '',
  nobody: 'Workspaces are created by the operator of this Sluice: ask them, or ask a maintainer for an invitation.',
};
