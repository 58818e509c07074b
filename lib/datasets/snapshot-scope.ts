import { z } from 'zod';

/**
 * What one Snapshot pull's snapshot is. A Sluice setting of the dataset, kept outside the manifest
 * so that an exported manifest stays Kamu's.
 * - `pull` (the default, Kamu's semantics): every record the pull read, whatever messages or topics
 *   carried it; a primary key read more than once counts with its latest record.
 * - `topic`: each topic's latest message is that topic's whole part of the snapshot, and earlier
 *   messages of the topic in the same pull are dropped. For devices that publish their complete
 *   state on their own topic each time (e.g. one retained JSON array per device), where an older
 *   message still queued for the session must not bring back rows the device no longer has.
 */
export const SNAPSHOT_SCOPES = ['pull', 'topic'] as const;
export const SnapshotScope = z.enum(SNAPSHOT_SCOPES, { error: 'the snapshot scope is "pull" or "topic"' });
export type SnapshotScope = z.infer<typeof SnapshotScope>;

export const DEFAULT_SNAPSHOT_SCOPE: SnapshotScope = 'pull';

/** The stored column's value as a scope (the database allows only these two). */
export function snapshotScopeOf(stored: string): SnapshotScope {
  return SnapshotScope.parse(stored);
}

/** How the scope reads in a list or a form. */
export function describeSnapshotScope(scope: SnapshotScope): string {
  return scope === 'pull' ? 'every record of a pull' : "each topic's latest message";
}

/**
 * The `topic` scope's snapshot: each topic's latest message, in arrival order. Pulls and the
 * preview's "what the next pull would commit" both use it, so they agree.
 */
export function latestPerTopic<M extends { topic: string }>(messages: readonly M[]): M[] {
  const last = new Map<string, M>();
  for (const m of messages) last.set(m.topic, m);
  const kept = new Set(last.values());
  return messages.filter((m) => kept.has(m));
}
