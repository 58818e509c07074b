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
 * A snapshot should not repeat a key: like Kamu, each repetition is joined separately.
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

  merge(prior: PriorState, batch: readonly Row[]): Row[] {
    const { layout } = this;
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
