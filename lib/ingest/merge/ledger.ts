import { Op, type Row } from '../../data/row';
import type { MergeContext, MergeStrategy, PriorState, StateNeed } from './merge-strategy';
import { BatchKeys, keysNeed, MergeLayout, sortRows } from './merge-support';

/**
 * Ledger: a left anti-join of the batch against every key seen before (= present in the state, see
 * the Contract); survivors become +A. Rows whose key was seen are dropped even if other values
 * differ, duplicates inside one batch are kept (as in Kamu), and a row with a null key cell never
 * matches (SQL join semantics), so it is always kept.
 */
export class LedgerStrategy implements MergeStrategy {
  readonly kind = 'Ledger';
  readonly operationTypeColumn: string;
  /** The vocabulary's event-time column: seen keys are ordered by it when the primary key holds it (seen-keys.ts). */
  readonly eventTimeColumn: string;
  private readonly layout: MergeLayout;

  constructor(
    readonly primaryKey: readonly string[],
    ctx: MergeContext,
  ) {
    this.layout = new MergeLayout(this.kind, ctx, 'forbidden');
    this.layout.checkColumns('primary key', primaryKey);
    this.operationTypeColumn = this.layout.opColumn;
    this.eventTimeColumn = this.layout.eventTimeColumn;
  }

  stateNeed(batch: readonly Row[], keys?: BatchKeys): StateNeed {
    return keysNeed(this.primaryKey, batch, keys);
  }

  merge(prior: PriorState, batch: readonly Row[], keys: BatchKeys = new BatchKeys(this.primaryKey)): Row[] {
    const unseen = batch.filter((row) => {
      const key = keys.join(row);
      return key === undefined || prior.get(key) === undefined;
    });
    return sortRows(
      unseen.map((row) => keys.emitted(row, this.layout.emit(Op.Append, row))),
      this.layout.byEventTime(),
    );
  }
}
