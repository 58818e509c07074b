import type { Row } from '../../data/row';
import type { DataField } from '../../odf/data-type';
import type { DatasetVocab } from '../../odf/vocab';
import type { BatchKeys } from './merge-support';

/** ODF MergeStrategy config (manifest `merge:` with kinds already normalised to PascalCase). */
export type MergeStrategyConfig =
  | { kind: 'Append' }
  | { kind: 'Ledger'; primaryKey: string[] }
  | { kind: 'Snapshot'; primaryKey: string[]; compareColumns?: string[] }
  | { kind: 'ChangelogStream'; primaryKey: string[] }
  | { kind: 'UpsertStream'; primaryKey: string[] };

export type MergeStrategyKind = MergeStrategyConfig['kind'];

export interface MergeContext {
  /** Columns of the rows given to `merge`, in order: the read schema, incl. the event-time column if it has one. */
  fields: DataField[];
  vocab: DatasetVocab;
}

/** Which current-state rows `merge` will read. */
export type StateNeed = { kind: 'none' } | { kind: 'keys'; keys: string[] } | { kind: 'all' };

/** The dataset's current state, as loaded by the engine for one merge. */
export interface PriorState {
  /** False when the dataset has no committed data yet (Kamu's `prev == None`). */
  hasHistory: boolean;
  /** Latest non-retracted row of a primary key (a `stateKeyOf` string), if any. */
  get(key: string): Row | undefined;
  /** Every key in the state; only available when the need was `all`. */
  keys(): Iterable<string>;
}

/**
 * One ODF merge strategy, reproducing kamu-cli's DataFusion implementation
 * (`src/infra/ingest-datafusion/src/merge_strategies/*.rs`, spec section 2).
 *
 * Contract:
 * - Cost grows with the batch, never with the dataset's history. Where Kamu's `merge(prev, new)`
 *   re-reads every committed slice, a strategy here sees a `PriorState`: the engine's current-state
 *   table holding, for every primary key, the row with the highest offset unless that row is a
 *   retraction (-R). That is exactly Kamu's `changelog::project(prev)`, which Snapshot and
 *   UpsertStream compute from `prev`.
 * - Ledger's "primary key ever seen in `prev`" is "key present in the state": Ledger only ever emits
 *   +A, so every key it committed stays in the state. (It would differ only if the history held
 *   retractions written under another strategy; Kamu would still drop such keys.)
 * - Two phases: `stateNeed(batch)` names the state rows `merge` reads (none, the batch's keys, or all);
 *   the engine loads them and calls `merge(prior, batch)`. `prior.get` is only asked about needed
 *   keys; `prior.keys()` is only called after an `all` need.
 * - Input: rows with one key per `MergeContext.fields` column, as produced by the readers. The
 *   event-time column may be null; the engine fills it after the merge, and a null new event time
 *   never counts as a change.
 * - Output: new row objects (inputs and state rows are never mutated) with the operation type
 *   column first (+A 0, -R 1, -C 2, +C 3), then the data columns in `fields` order; no offset or
 *   system-time columns. Rows are already sorted by the strategy's sort order (stable: ties keep
 *   emission order), and offsets must be assigned in this order. -R and -C carry the OLD values as
 *   found in the state, including the stored event time.
 * - After committing, the engine updates its state with `applyToState(strategy, committedRows)`,
 *   where committedRows are the output rows with event times filled in: the state must hold what
 *   was committed.
 * - Errors: configuration problems throw `MergeError` when the strategy is created; a batch that
 *   cannot be merged throws `MergeError` from `merge`. Strategies are pure (no I/O, no clock).
 */
export interface MergeStrategy {
  readonly kind: MergeStrategyKind;
  /** Empty for Append, which keeps no state. */
  readonly primaryKey: readonly string[];
  /** Name of the operation type column (vocab), which leads every output row. */
  readonly operationTypeColumn: string;
  /** `keys`, when the engine passes one (the same to both calls of a batch), holds the rows' keys it already computed. */
  stateNeed(batch: readonly Row[], keys?: BatchKeys): StateNeed;
  merge(prior: PriorState, batch: readonly Row[], keys?: BatchKeys): Row[];
}

/** The merge strategy cannot be configured as given, or a batch breaks its rules. */
export class MergeError extends Error {
  override name = 'MergeError';
}
