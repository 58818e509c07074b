import { DataType, Precision, type Vector } from 'apache-arrow';
import { compareKeys, readCell, sortKey, type SortDirection, type SortKey } from './format-cell';

/** One sort key per row of a column. */
export type SortKeys = ArrayLike<SortKey>;

/**
 * Reads a column's sort keys once, so sorting never calls `get`. A numeric column without nulls is
 * taken as its typed array (zero-copy for one batch); timestamps and times then come as integers
 * in their own unit, exact and in the same order as the times. Anything else: one `get` per row.
 */
export function columnSortKeys(vector: Vector): SortKeys {
  const t = vector.type;
  const typedArray = DataType.isInt(t) || DataType.isTimestamp(t) || DataType.isTime(t) || (DataType.isFloat(t) && t.precision !== Precision.HALF);
  if (typedArray && vector.nullCount === 0) return vector.toArray() as SortKeys;
  const key = sortKey(t);
  const keys = new Array<SortKey>(vector.length);
  for (let i = 0; i < keys.length; i++) keys[i] = key(readCell(vector, i));
  return keys;
}

/** Row indices in sorted order (nulls last either way); stable, so equal keys keep the result's order. */
export function sortRowOrder(keys: SortKeys, direction: SortDirection): Uint32Array {
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => compareKeys(keys[a], keys[b], direction));
}
