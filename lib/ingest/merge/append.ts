import { Op, type Row } from '../../data/row';
import type { MergeContext, MergeStrategy, PriorState, StateNeed } from './merge-strategy';
import { MergeLayout, sortRows } from './merge-support';

/** Append: every input row becomes +A; history is never consulted and nothing is deduplicated. */
export class AppendStrategy implements MergeStrategy {
  readonly kind = 'Append';
  readonly primaryKey: readonly string[] = [];
  readonly operationTypeColumn: string;
  private readonly layout: MergeLayout;

  constructor(ctx: MergeContext) {
    this.layout = new MergeLayout(this.kind, ctx, 'forbidden');
    this.operationTypeColumn = this.layout.opColumn;
  }

  stateNeed(): StateNeed {
    return { kind: 'none' };
  }

  merge(_prior: PriorState, batch: readonly Row[]): Row[] {
    return sortRows(
      batch.map((row) => this.layout.emit(Op.Append, row)),
      this.layout.byEventTime(),
    );
  }
}
