import { isManifestError, type ManifestIssue } from '../odf/errors';
import { isAPIError } from 'better-auth/api';
import { isSluiceError } from '../errors';

/** What every server action returns: data, or a coded error written for the user. */
export type ActionResult<T = undefined> =
  | { ok: true; data: T }
  | { ok: false; code: string; message: string; issues?: ManifestIssue[] };

/**
 * The one place errors become action results: known errors keep their code and message; anything
 * else is logged and reported generically, so internals never reach the browser.
 */
export async function runAction<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (err) {
    return toActionError(err);
  }
}

export function toActionError(err: unknown): { ok: false; code: string; message: string; issues?: ManifestIssue[] } {
  if (isManifestError(err)) return { ok: false, code: err.code, message: err.message, issues: err.issues };
  if (isSluiceError(err)) return { ok: false, code: err.code, message: err.message };
  // Better Auth's refusals (last maintainer leaving, invitation for another email, …) are for the user.
  // isAPIError, not instanceof: the built server can hold more than one copy of the class (Better
  // Auth's core and better-call each have one), and `instanceof` missed them all as INTERNAL.
  if (isAPIError(err)) return { ok: false, code: String(err.body?.code ?? err.status), message: err.body?.message ?? err.message };
  console.error(err);
  return { ok: false, code: 'INTERNAL', message: 'Something went wrong on the server; the error was logged.' };
}
