import 'server-only';
import type { JsonValue } from '../data/row';
import type { WorkspaceAccess } from './guard';
import { getStore } from './store';

/** Actions the activity list records (who, what, when). */
export type ActivityAction =
  | 'dataset.create'
  | 'dataset.edit'
  | 'dataset.pull'
  | 'dataset.delete'
  | 'quarantine.discard'
  | 'member.invite'
  | 'member.join'
  | 'member.cancel-invitation'
  | 'member.role'
  | 'member.remove'
  | 'member.leave'
  | 'secret.set'
  | 'secret.delete'
  | 'device.create'
  | 'device.revoke'
  | 'schedule.set'
  | 'schedule.remove'
  | 'query.save'
  | 'query.rename'
  | 'query.delete';

/** Records what a member did, after the action succeeded. */
export async function recordActivity(access: WorkspaceAccess, action: ActivityAction, target: string, detail?: Record<string, JsonValue>): Promise<void> {
  await (await getStore()).activity.record({ workspaceId: access.workspace.id, actor: { id: access.viewer.id, email: access.viewer.email }, action, target, detail });
}
