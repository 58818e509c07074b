import { Op, type Row } from '../../data/row';
import type { MergeContext, MergeStrategy, PriorState, StateNeed } from './merge-strategy';
import { joinKeyOf, MergeLayout, rowChanged, sortRows } from './merge-support';

/**
 * Snapshot: the batch is the full current state of the source; the strategy emits the changes
 * against the dataset's state (CDC). Kamu's full outer join on the primary key, row by row:
 * - no history: every row is +A;
 * - new key → +A with the new values; key gone from the snapshot → -R with the OLD values;
 * - key in both and a compared column IS DISTINCT FROM → -C with the OLD values, +C with the new;
 *   compared columns are `compareColumns`, else every input column but the primary key, and the
 *   event time only counts when the new one is non-null.
 * Output sorted by primary key, then op (so each -C directly precedes its +C).
 *
 * A primary key the batch holds more than once counts once, with its LAST row (the latest record
 * read): a pull's records are the snapshot whatever messages carried them, so a device's newer
 * reading, or a retained message the broker sent twice (queued for the session and again on the
 * re-subscription), replaces the earlier one instead of joining twice (Kamu's join would emit a
 * -C/+C pair per copy). Rows with a null primary-key cell never join (SQL), so all of them are kept.
 */
export class SnapshotStrategy implements MergeStrategy {
  readonly kind = 'Snapshot';
  readonly operationTypeColumn: string;
  private readonly layout: MergeLayout;
  private readonly compared: readonly string[];

  constructor(
    readonly primaryKey: readonly string[],
    compareColumns: readonly string[] | undefined,
    ctx: MergeContext,
  ) {
    this.layout = new MergeLayout(this.kind, ctx, 'forbidden');
    this.layout.checkColumns('primary key', primaryKey);
    if (compareColumns) this.layout.checkColumns('compare', compareColumns);
    this.compared = compareColumns ?? this.layout.dataColumns.filter((c) => !primaryKey.includes(c));
    this.operationTypeColumn = this.layout.opColumn;
  }

  /** Every state key: keys missing from the snapshot are retracted. */
  stateNeed(): StateNeed {
    return { kind: 'all' };
  }

  merge(prior: PriorState, rows: readonly Row[]): Row[] {
    const { layout } = this;
    const batch = latestPerKey(this.primaryKey, rows);
    if (!prior.hasHistory) {
      return sortRows(
        batch.map((row) => layout.emit(Op.Append, row)),
        layout.byKeyThenOp(this.primaryKey),
      );
    }
    const out: Row[] = [];
    const matched = new Set<string>();
    for (const row of batch) {
      const key = joinKeyOf(this.primaryKey, row);
      const old = key === undefined ? undefined : prior.get(key);
      if (old === undefined) {
        out.push(layout.emit(Op.Append, row));
        continue;
      }
      matched.add(key!);
      if (rowChanged(this.compared, layout.eventTimeColumn, old, row)) {
        out.push(layout.emit(Op.CorrectFrom, old), layout.emit(Op.CorrectTo, row));
      }
    }
    for (const key of prior.keys()) {
      if (!matched.has(key)) out.push(layout.emit(Op.Retract, prior.get(key)!));
    }
    return sortRows(out, layout.byKeyThenOp(this.primaryKey));
  }
}

/** The rows in order, each joinable primary key kept only at its last occurrence (with its last row). */
function latestPerKey(primaryKey: readonly string[], rows: readonly Row[]): readonly Row[] {
  const last = new Map<string, number>();
  rows.forEach((row, i) => {
    const key = joinKeyOf(primaryKey, row);
    if (key !== undefined) last.set(key, i);
  });
  if (last.size === rows.length) return rows;
  return rows.filter((row, i) => {
    const key = joinKeyOf(primaryKey, row);
    return key === undefined || last.get(key) === i;
  });
}
