import { Op, type Row } from '../../data/row';
import type { MergeContext, MergeStrategy, PriorState, StateNeed } from './merge-strategy';
import { joinKeyOf, keysNeed, MergeLayout, opCodeOf, rowChanged, sortRows, stateKeyOf } from './merge-support';

/**
 * UpsertStream: input rows carry only NEW values; an optional op column marks deletes (op 1), any
 * other op is an upsert. As in Kamu:
 * 1. the batch collapses to its last row per primary key (intermediate updates vanish);
 * 2. delete of a key in the state → -R with the OLD stored values (the delete's own values are
 *    ignored); delete of an unknown key → nothing;
 * 3. upsert of an unknown key → +A; upsert whose non-key columns differ from the state (event time
 *    only when the new one is non-null) → -C old, +C new; an equal upsert → nothing.
 * A row whose op is null is dropped, because Kamu's filter evaluates to null for it.
 */
export class UpsertStreamStrategy implements MergeStrategy {
  readonly kind = 'UpsertStream';
  readonly operationTypeColumn: string;
  private readonly layout: MergeLayout;
  private readonly compared: readonly string[];

  constructor(
    readonly primaryKey: readonly string[],
    ctx: MergeContext,
  ) {
    this.layout = new MergeLayout(this.kind, ctx, 'optional');
    this.layout.checkColumns('primary key', primaryKey);
    this.compared = this.layout.dataColumns.filter((c) => !primaryKey.includes(c));
    this.operationTypeColumn = this.layout.opColumn;
  }

  /** Last row per primary key, in the order of those last rows (grouping treats null keys as equal). */
  private collapse(batch: readonly Row[]): Row[] {
    const last = new Map<string, Row>();
    for (const row of batch) {
      const key = stateKeyOf(this.primaryKey, row);
      last.delete(key);
      last.set(key, row);
    }
    return [...last.values()];
  }

  /** The batch's keys (collapsing would not change the set). */
  stateNeed(batch: readonly Row[]): StateNeed {
    return keysNeed(this.primaryKey, batch);
  }

  merge(prior: PriorState, batch: readonly Row[]): Row[] {
    const { layout } = this;
    const out: Row[] = [];
    for (const row of this.collapse(batch)) {
      // Without an op column every row is an upsert.
      const op = layout.hasOpInput ? opCodeOf(row[layout.opColumn]) : Op.Append;
      if (op === null) continue;
      const key = joinKeyOf(this.primaryKey, row);
      const old = key === undefined ? undefined : prior.get(key);
      if (op === Op.Retract) {
        if (old) out.push(layout.emit(Op.Retract, old));
      } else if (!old) {
        out.push(layout.emit(Op.Append, row));
      } else if (rowChanged(this.compared, layout.eventTimeColumn, old, row)) {
        out.push(layout.emit(Op.CorrectFrom, old), layout.emit(Op.CorrectTo, row));
      }
    }
    return sortRows(out, layout.byKeyThenOp(this.primaryKey));
  }
}
