import 'server-only';
import { forbidden, notFound, redirect } from 'next/navigation';
import { isSluiceError } from '../errors';

/**
 * How a page load answers the guard's refusals: no session → the sign-in page; a workspace or
 * dataset (or saved query) the account cannot see → 404; a role that does not allow it → 403.
 */
export async function guardPage<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isSluiceError(err, 'UNAUTHENTICATED')) redirect('/sign-in');
    if (isSluiceError(err, 'WORKSPACE_NOT_FOUND') || isSluiceError(err, 'DATASET_NOT_FOUND') || isSluiceError(err, 'SAVED_QUERY_NOT_FOUND')) notFound();
    if (isSluiceError(err, 'FORBIDDEN')) forbidden();
    throw err;
  }
}
