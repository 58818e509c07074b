import { Float64, Int32, TimestampMicrosecond, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { columnSortKeys, sortRowOrder } from '../../../lib/query/sort-rows';

describe('sortRowOrder', () => {
  it('sorts a column of several batches, nulls last either way, equal keys in their original order', () => {
    const v = vectorFromArray([2, null, 1], new Float64()).concat(vectorFromArray([2, -1, null], new Float64()));
    const keys = columnSortKeys(v);
    expect(Array.from(sortRowOrder(keys, 'asc'))).toEqual([4, 2, 0, 3, 1, 5]);
    expect(Array.from(sortRowOrder(keys, 'desc'))).toEqual([0, 3, 2, 4, 1, 5]);
  });

  it('reads a numeric column without nulls as its typed array, timestamps as raw integers', () => {
    expect(columnSortKeys(vectorFromArray([3, 1, 2], new Int32()))).toBeInstanceOf(Int32Array);
    const ts = makeVector(makeData({ type: new TimestampMicrosecond(), data: BigInt64Array.of(2n ** 63n - 1n, 1n, 0n) }));
    expect(Array.from(sortRowOrder(columnSortKeys(ts), 'asc'))).toEqual([2, 1, 0]);
  });

  it('sorts text with nulls through get', () => {
    const keys = columnSortKeys(vectorFromArray(['b', null, 'a'], new Utf8()));
    expect(Array.from(keys)).toEqual(['b', null, 'a']);
    expect(Array.from(sortRowOrder(keys, 'desc'))).toEqual([0, 2, 1]);
  });
});
