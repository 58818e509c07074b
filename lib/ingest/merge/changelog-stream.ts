import type { OpCode, Row } from '../../data/row';
import { type MergeContext, MergeError, type MergeStrategy, type PriorState, type StateNeed } from './merge-strategy';
import { MergeLayout, opCodeOf, sortRows } from './merge-support';

/**
 * ChangelogStream: the input already is a changelog (op column + data), passed through as is and
 * sorted by primary key then op. The source is responsible for -C/+C pairing and for old values on
 * -R/-C. Stricter than Kamu in one point: an op outside 0..3 is rejected instead of being committed,
 * since it would corrupt the changelog and the state derived from it.
 */
export class ChangelogStreamStrategy implements MergeStrategy {
  readonly kind = 'ChangelogStream';
  readonly operationTypeColumn: string;
  private readonly layout: MergeLayout;

  constructor(
    readonly primaryKey: readonly string[],
    ctx: MergeContext,
  ) {
    this.layout = new MergeLayout(this.kind, ctx, 'required');
    this.layout.checkColumns('primary key', primaryKey);
    this.operationTypeColumn = this.layout.opColumn;
  }

  stateNeed(): StateNeed {
    return { kind: 'none' };
  }

  merge(_prior: PriorState, batch: readonly Row[]): Row[] {
    const out = batch.map((row, index) => {
      const op = opCodeOf(row[this.operationTypeColumn]);
      if (op === null || !Number.isInteger(op) || op < 0 || op > 3) {
        throw new MergeError(
          `row ${index + 1}: "${this.operationTypeColumn}" must be 0 (+A), 1 (-R), 2 (-C) or 3 (+C), got ${String(row[this.operationTypeColumn])}`,
        );
      }
      return this.layout.emit(op as OpCode, row);
    });
    return sortRows(out, this.layout.byKeyThenOp(this.primaryKey));
  }
}
