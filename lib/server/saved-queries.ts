import 'server-only';
import { canChangeSavedQuery } from '../auth/saved-query-access';
import { SluiceError } from '../errors';
import { savedQueryNotFound, type SavedQuery } from '../store/saved-query-repository';
import type { WorkspaceAccess } from './guard';
import { getStore } from './store';

/** A saved query as the query page gets it (plain data, so it can cross to the browser). */
export interface SavedQuerySummary {
  id: string;
  name: string;
  sql: string;
  /** The author's name and email; null once their account is deleted. */
  author: { name: string; email: string } | null;
  /** RFC 3339 time of the last save. */
  updatedAt: string;
  /** Whether this member may rename or delete it (shows the buttons; the actions check again). */
  canChange: boolean;
}

/** The rule of lib/auth/saved-query-access.ts for the member of this request. */
export function changeableBy(access: WorkspaceAccess): (query: { createdByUserId: string | null }) => boolean {
  const actor = { userId: access.viewer.id, role: access.role };
  return (query) => canChangeSavedQuery(actor, query);
}

/**
 * The workspace's saved queries in name order, and the one the page's `?q=` names. A `q` that is
 * not a query of this workspace (deleted, or another workspace's) is SAVED_QUERY_NOT_FOUND, which
 * guardPage answers with 404.
 */
export async function loadSavedQueries(access: WorkspaceAccess, q?: string): Promise<{ queries: SavedQuerySummary[]; active?: SavedQuerySummary }> {
  const mayChange = changeableBy(access);
  const queries = (await (await getStore()).savedQueries.list(access.workspace.id)).map(
    (s): SavedQuerySummary => ({ id: s.id, name: s.name, sql: s.sql, author: s.author, updatedAt: s.updatedAt.toISOString(), canChange: mayChange(s) }),
  );
  if (q === undefined) return { queries };
  const active = queries.find((s) => s.id === q);
  if (!active) throw savedQueryNotFound();
  return { queries, active };
}

/** The saved query `id` of the caller's workspace, provided the caller may rename or delete it. */
export async function requireChangeableQuery(access: WorkspaceAccess, id: string): Promise<SavedQuery> {
  const query = await (await getStore()).savedQueries.find(access.workspace.id, id);
  if (!query) throw savedQueryNotFound();
  if (!changeableBy(access)(query)) {
    throw new SluiceError('FORBIDDEN', `"${query.name}" was saved by ${query.author?.email ?? 'a former member'}; only they or a maintainer may change it`);
  }
  return query;
}
