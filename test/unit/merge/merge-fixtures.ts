/**
 * Fixtures mirroring Kamu's merge-strategy tests: schema `year Int32` (the event-time column via the
 * vocab), `city String`, `population Int64`, and an in-memory state table kept with applyToState.
 */
import type { OpCode, Row } from '../../../lib/data/row';
import { applyToState } from '../../../lib/ingest/merge/apply-to-state';
import type { MergeContext, MergeStrategy, PriorState, StateNeed } from '../../../lib/ingest/merge/merge-strategy';
import type { DataField } from '../../../lib/odf/data-type';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';

export const FIELDS: DataField[] = [
  { name: 'year', type: { kind: 'Option', inner: { kind: 'Int32' } } },
  { name: 'city', type: { kind: 'String' } },
  { name: 'population', type: { kind: 'Int64' } },
];

export const CTX: MergeContext = { fields: FIELDS, vocab: { ...DEFAULT_VOCAB, eventTimeColumn: 'year' } };

/** Context whose input carries an `op` column first, as for ChangelogStream / UpsertStream. */
export const CTX_WITH_OP: MergeContext = {
  ...CTX,
  fields: [{ name: 'op', type: { kind: 'Int32' } }, ...FIELDS],
};

/** An input row (no op). */
export function input(year: number | null, city: string, population: number): Row {
  return { year, city, population: BigInt(population) };
}

/** An output / changelog row: op first. */
export function out(op: OpCode, year: number | null, city: string, population: number): Row {
  return { op, year, city, population: BigInt(population) };
}

/**
 * The engine's current-state table, in memory. `prior` answers only what the strategy declared in
 * `stateNeed`, so tests also hold strategies to the two-phase contract.
 */
export class MemoryState {
  readonly rows = new Map<string, Row>();
  hasHistory = false;

  /** Records committed rows (in offset order), like the engine after a commit. */
  commit(strategy: MergeStrategy, committed: readonly Row[]): void {
    if (committed.length === 0) return;
    const { upserts, deletes } = applyToState(strategy, committed);
    for (const key of deletes) this.rows.delete(key);
    for (const [key, row] of upserts) this.rows.set(key, row);
    this.hasHistory = true;
  }

  prior(need: StateNeed): PriorState {
    const allowed = need.kind === 'keys' ? new Set(need.keys) : undefined;
    return {
      hasHistory: this.hasHistory,
      get: (key) => {
        if (need.kind === 'none' || (allowed && !allowed.has(key))) throw new Error(`read undeclared key ${key}`);
        return this.rows.get(key);
      },
      keys: () => {
        if (need.kind !== 'all') throw new Error(`keys() after a "${need.kind}" need`);
        return this.rows.keys();
      },
    };
  }

  merge(strategy: MergeStrategy, batch: readonly Row[]): Row[] {
    return strategy.merge(this.prior(strategy.stateNeed(batch)), batch);
  }
}

/** Kamu's harness: `ledger` is the history (prev = None when empty), `batch` the new data. */
export function mergeAfter(strategy: MergeStrategy, ledger: readonly Row[], batch: readonly Row[]): Row[] {
  const state = new MemoryState();
  state.commit(strategy, ledger);
  return state.merge(strategy, batch);
}
