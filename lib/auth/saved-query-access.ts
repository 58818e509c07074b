import { can } from './roles';

/** A member acting on a saved query: their account and role in the query's workspace. */
export interface SavedQueryActor {
  userId: string;
  role: string;
}

/**
 * Whether `actor` may rename, delete or overwrite `query`: anyone's with `savedQuery: manage`
 * (maintainers), otherwise only their own with `savedQuery: save`. A query whose author's account
 * was deleted is no one's own any more. The one place this rule lives: server actions enforce it
 * and the query page shows its rename and delete buttons by it.
 */
export function canChangeSavedQuery(actor: SavedQueryActor, query: { createdByUserId: string | null }): boolean {
  if (can(actor.role, { savedQuery: 'manage' })) return true;
  return query.createdByUserId === actor.userId && can(actor.role, { savedQuery: 'save' });
}
