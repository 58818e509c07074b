import type { Row } from '../data/row';
import { keyHash64 } from './key-hash';
import { applyToState } from './merge/apply-to-state';
import type { MergeStrategy } from './merge/merge-strategy';
import type { IngestStore, SeenKeyGroup } from './ports';

/**
 * Ledger's key state: only whether a key was seen. Each committed batch is a group (SeenKeyGroup)
 * of the 64-bit hashes of its keys; the store keeps each hash's top 48 bits with its group's ordinal
 * in hash-range buckets (lib/store/seen-key-buckets.ts): 10 bytes an entry, ~26 a key on disk with the
 * free space bucket updates leave (bench:ingest), instead of a Postgres row per key.
 */

/**
 * The seen-key group of a batch's committed rows, which have offsets from `offsetStart`; `keys`,
 * when the caller already has them (applyToState's upserts of these rows), spares a second pass.
 */
export function seenKeyGroup(strategy: MergeStrategy, rows: readonly Row[], offsetStart: bigint, keys?: Iterable<string>): SeenKeyGroup {
  return { offsetStart, rowCount: rows.length, hashes: BigInt64Array.from(keys ?? applyToState(strategy, rows).upserts.keys(), keyHash64) };
}

/**
 * Which of `keys` were seen. A key whose hash is in a group is confirmed against that group's rows
 * (`rowsOf`): a hash collision with another key therefore costs a read of those rows and never
 * drops a new row.
 */
export async function findSeenKeys(args: {
  store: IngestStore;
  datasetNum: number;
  strategy: MergeStrategy;
  keys: readonly string[];
  rowsOf: (group: SeenKeyGroup) => Promise<Row[]>;
}): Promise<Set<string>> {
  const byHash = new Map<bigint, string[]>();
  for (const key of args.keys) {
    const h = keyHash64(key);
    const same = byHash.get(h);
    if (same) same.push(key);
    else byHash.set(h, [key]);
  }
  const seen = new Set<string>();
  const groups = await args.store.findSeenKeyGroups(args.datasetNum, [...byHash.keys()]);
  for (const group of groups) {
    const candidates = new Set<string>();
    for (const h of group.hashes) for (const key of byHash.get(h) ?? []) candidates.add(key);
    if (candidates.size === 0) continue;
    for (const key of applyToState(args.strategy, await args.rowsOf(group)).upserts.keys()) if (candidates.has(key)) seen.add(key);
  }
  return seen;
}
