import type { Row } from '../data/row';
import { keyHash64, keyHashHigh32 } from './key-hash';
import { applyToState } from './merge/apply-to-state';
import { LedgerStrategy } from './merge/ledger';
import type { MergeStrategy } from './merge/merge-strategy';
import type { IngestStore, SeenKeyGroup } from './ports';

/**
 * Ledger's key state: only whether a key was seen. Each committed batch is a group (SeenKeyGroup)
 * of the 64-bit positions of its keys; the store keeps each position's low 48 bits with its group's
 * ordinal in buckets over the position space (lib/store/seen-key-buckets.ts): 10 bytes an entry
 * instead of a Postgres row per key.
 *
 * A position orders the keys so that a batch's new keys land together (SeenKeyOrder):
 * - 'time', when the primary key holds the event-time column, as real Ledger keys do: the key's
 *   event time in whole seconds (signed 32 bits), then the top 32 bits of its hash. New keys come
 *   after the history in time, so a commit reads and rewrites the newest few buckets whatever the
 *   history's size (Kamu anti-joins a batch with its whole history; its own TODO: "seen events
 *   should be a tail of the prev"). A key with an old event time (late data, a redelivery) is
 *   found in its old bucket as any other. Two keys share a position only if they share the second
 *   and 32 hash bits: among k keys of one second, a new key meets one with probability k / 2^32.
 * - 'hash' otherwise: the hash's top 48 bits (sign-extended); among n seen keys a new key meets
 *   one with probability n / 2^48 (3.6·10^-8 at ten million).
 * Either way a shared position only costs a read of a batch's rows: every hit is confirmed.
 */
export type SeenKeyOrder = { kind: 'hash' } | { kind: 'time'; index: number };

const HASH_FORM = 'Ledger/seen-hash64';
const TIME_FORM = 'Ledger/seen-time64';
/** Seconds kept in a time position: signed 32 bits, less 2^16 at the bottom so that a position minus 2^48 stays a bigint. */
const MIN_SECONDS = -(2 ** 31) + 2 ** 16;
const MAX_SECONDS = 2 ** 31 - 1;

/** How a Ledger with this strategy orders its seen keys. */
export function seenKeyOrder(strategy: MergeStrategy): SeenKeyOrder {
  const index = strategy instanceof LedgerStrategy ? strategy.primaryKey.indexOf(strategy.eventTimeColumn) : -1;
  return index < 0 ? { kind: 'hash' } : { kind: 'time', index };
}

/**
 * The form a Ledger's state signature names (a change of form rebuilds the state): time order
 * names its column, so that a SetVocab moving the event time to another key column rebuilds too.
 */
export function seenKeyForm(strategy: MergeStrategy): string {
  const order = seenKeyOrder(strategy);
  return order.kind === 'time' ? `${TIME_FORM}(${strategy.primaryKey[order.index]})` : HASH_FORM;
}

/**
 * The order of the seen keys stored under `signature` for this strategy's keys: the hash order of
 * the form before time positions (kept by migration 20261207100000 until the next pull rebuilds
 * the state), else the strategy's own.
 */
export function storedSeenKeyOrder(strategy: MergeStrategy, signature: string | null): SeenKeyOrder {
  return signature === `${HASH_FORM}:${JSON.stringify(strategy.primaryKey)}` ? { kind: 'hash' } : seenKeyOrder(strategy);
}

/** A merge key's (`stateKeyOf` string's) position in `order`. */
export function keyPosition(order: SeenKeyOrder, key: string): bigint {
  if (order.kind === 'hash') return keyHash64(key) >> 16n;
  return (BigInt(keySeconds(key, order.index)) << 32n) | BigInt(keyHashHigh32(key));
}

/**
 * Merge keys' positions in one order, each computed once: a Ledger batch looks its keys up
 * (findSeenKeys), then records its new ones as its group (seenKeyGroup).
 */
export class KeyPositions {
  private readonly positions = new Map<string, bigint>();

  constructor(readonly order: SeenKeyOrder) {}

  /** keyPosition(order, key). */
  of(key: string): bigint {
    let position = this.positions.get(key);
    if (position === undefined) {
      position = keyPosition(this.order, key);
      this.positions.set(key, position);
    }
    return position;
  }
}

/**
 * Whole seconds of the key's cell at `index`: a Timestamp cell is epoch milliseconds (`d…` in a
 * cellKey), a Date one `sYYYY-MM-DD`; any other cell counts as 0 (still exact, only unordered).
 */
function keySeconds(key: string, index: number): number {
  // The common key, event time first: `["d1767225600000",…]`, read without parsing the rest.
  let ms: number;
  if (index === 0 && key.startsWith('["d')) ms = Number(key.slice(3, key.indexOf('"', 3)));
  else {
    const part = String((JSON.parse(key) as unknown[])[index]);
    ms = part[0] === 'd' ? Number(part.slice(1)) : part[0] === 's' ? Date.parse(part.slice(1)) : NaN;
  }
  return Number.isFinite(ms) ? Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, Math.floor(ms / 1000))) : 0;
}

/**
 * The seen-key group of a batch's committed rows, which have offsets from `offsetStart`; `keys`,
 * when the caller already has them (applyToState's upserts of these rows), spares a second pass,
 * and `positions` (in the strategy's order), the positions the caller already computed.
 */
export function seenKeyGroup(strategy: MergeStrategy, rows: readonly Row[], offsetStart: bigint, keys?: Iterable<string>, positions = new KeyPositions(seenKeyOrder(strategy))): SeenKeyGroup {
  return { offsetStart, rowCount: rows.length, positions: BigInt64Array.from(keys ?? applyToState(strategy, rows).upserts.keys(), (k) => positions.of(k)) };
}

/**
 * Which of `keys` were seen, with `positions` in the state's order (the strategy's unless told). A key whose
 * position is in a group is confirmed against that group's rows (`rowsOf`): a key that shares a
 * position with another therefore costs a read of those rows and never drops a new row.
 */
export async function findSeenKeys(args: {
  store: IngestStore;
  datasetNum: number;
  strategy: MergeStrategy;
  positions?: KeyPositions;
  keys: readonly string[];
  rowsOf: (group: SeenKeyGroup) => Promise<Row[]>;
}): Promise<Set<string>> {
  const positions = args.positions ?? new KeyPositions(seenKeyOrder(args.strategy));
  const byPosition = new Map<bigint, string[]>();
  for (const key of args.keys) {
    const p = positions.of(key);
    const same = byPosition.get(p);
    if (same) same.push(key);
    else byPosition.set(p, [key]);
  }
  const seen = new Set<string>();
  const groups = await args.store.findSeenKeyGroups(args.datasetNum, [...byPosition.keys()]);
  for (const group of groups) {
    const candidates = new Set<string>();
    for (const p of group.positions) for (const key of byPosition.get(p) ?? []) candidates.add(key);
    if (candidates.size === 0) continue;
    for (const key of applyToState(args.strategy, await args.rowsOf(group)).upserts.keys()) if (candidates.has(key)) seen.add(key);
  }
  return seen;
}
