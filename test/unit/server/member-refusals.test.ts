import { describe, expect, it } from 'vitest';
import { toActionError } from '../../../lib/server/action-result';
import { inSluiceWords } from '../../../lib/server/member-refusals';

describe('member refusals in Sluice words', () => {
  it("rewords Better Auth's 'only owner' refusal for the action that met it", () => {
    const refusal = { ok: false as const, code: 'YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER', message: 'You cannot leave the organization as the only owner' };
    expect(inSluiceWords(refusal, 'leave')).toEqual({ ...refusal, message: 'You are the only maintainer of this workspace: make another member a maintainer before you leave.' });
    expect(inSluiceWords(refusal, 'remove')).toMatchObject({ message: expect.stringMatching(/at least one maintainer/) });
    const role = { ok: false as const, code: 'YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER', message: 'You cannot leave the organization without an owner' };
    expect(inSluiceWords(role, 'role')).toMatchObject({ message: expect.not.stringMatching(/organization|owner/) });
  });

  it('keeps successes and other refusals as they are', () => {
    expect(inSluiceWords({ ok: true, data: 1 }, 'leave')).toEqual({ ok: true, data: 1 });
    const other = { ok: false as const, code: 'FORBIDDEN', message: 'maintainers only' };
    expect(inSluiceWords(other, 'leave')).toBe(other);
  });
});

describe("Better Auth's refusals reach the user", () => {
  it('keeps the code of an APIError from any copy of the class, not INTERNAL', () => {
    // What the built console throws: an APIError that is not the class `better-auth/api` exports.
    class APIError extends Error {
      override name = 'APIError';
      body = { code: 'YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER', message: 'You cannot leave the organization as the only owner' };
      status = 'BAD_REQUEST';
    }
    expect(toActionError(new APIError())).toMatchObject({ ok: false, code: 'YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER' });
  });
});
