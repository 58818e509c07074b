import { Op, type Row } from '../../data/row';
import type { MergeStrategy } from './merge-strategy';
import { opCodeOf, stateKeyOf } from './merge-support';

export interface StateChanges {
  /** Key → the key's new state row (data columns incl. event time; no op/offset/system time). */
  upserts: Map<string, Row>;
  /** Keys whose latest row is now a retraction. Never also in `upserts`. */
  deletes: Set<string>;
}

/**
 * How committed rows change the current-state table (see the MergeStrategy Contract). Rows must be
 * in offset order and carry their final event time. +A/+C make the row the key's latest, -R removes
 * the key, -C changes nothing (its +C follows). Append keeps no state, so it yields no changes.
 */
export function applyToState(strategy: MergeStrategy, committedRows: readonly Row[]): StateChanges {
  const upserts = new Map<string, Row>();
  const deletes = new Set<string>();
  if (strategy.primaryKey.length === 0) return { upserts, deletes };

  const opColumn = strategy.operationTypeColumn;
  for (const row of committedRows) {
    const op = opCodeOf(row[opColumn]);
    if (op === Op.CorrectFrom) continue;
    const key = stateKeyOf(strategy.primaryKey, row);
    if (op === Op.Retract) {
      upserts.delete(key);
      deletes.add(key);
    } else {
      // A plain copy loop: a rest spread with a computed key takes V8's generic (slow) path, per row.
      const data: Row = {};
      for (const column in row) if (column !== opColumn) data[column] = row[column];
      deletes.delete(key);
      upserts.set(key, data);
    }
  }
  return { upserts, deletes };
}
