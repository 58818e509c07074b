import type { JsonValue } from '@/lib/data/row';
import type { ActivityAction } from '@/lib/server/activity';

/** What each recorded action reads as in the Activity list. */
const LABELS: Record<ActivityAction, string> = {
  'dataset.create': 'Created dataset',
  'dataset.edit': 'Edited dataset',
  'dataset.pull': 'Pulled',
  'dataset.delete': 'Deleted dataset',
  'quarantine.discard': 'Discarded quarantined messages',
  'member.invite': 'Invited',
  'member.join': 'Joined by invitation',
  'member.cancel-invitation': 'Cancelled the invitation of',
  'member.role': 'Changed the role of',
  'member.remove': 'Removed',
  'member.leave': 'Left the workspace',
  'secret.set': 'Set secret',
  'secret.delete': 'Deleted secret',
  'device.create': 'Created device credential',
  'device.revoke': 'Revoked device credential',
  'schedule.set': 'Scheduled pulls of',
  'schedule.remove': 'Stopped scheduled pulls of',
  'query.save': 'Saved query',
  'query.rename': 'Renamed query',
  'query.delete': 'Deleted query',
};

export function activityLabel(action: string): string {
  return LABELS[action as ActivityAction] ?? action;
}

/** Details as "key: value" pairs (lists joined), not raw JSON. */
export function activityDetail(detail: Record<string, JsonValue> | null): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}
