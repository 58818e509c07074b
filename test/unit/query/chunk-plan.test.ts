import { describe, expect, it } from 'vitest';
import { planChunks } from '../../../lib/query/chunk-plan';

const slices = (...sizes: number[]) => {
  let at = 0;
  return sizes.map((n) => ({ from: at, to: (at += n) - 1 }));
};

describe('planChunks', () => {
  it('groups uncached slices into ranges of at most about maxRows rows', () => {
    expect(planChunks(slices(100, 100, 100, 100, 50), [], 0, 200)).toEqual([
      { from: 0, to: 199, cached: false },
      { from: 200, to: 399, cached: false },
      { from: 400, to: 449, cached: false },
    ]);
  });

  it('reuses cached ranges and fetches only the slices after them', () => {
    const s = slices(100, 100, 100);
    expect(planChunks(s, [{ from: 0, to: 199 }], 0, 1000)).toEqual([
      { from: 0, to: 199, cached: true },
      { from: 200, to: 299, cached: false },
    ]);
  });

  it('stops a new range where a cached one starts, and prefers the longest cached range at a start', () => {
    const s = slices(10, 10, 10, 10);
    expect(planChunks(s, [{ from: 20, to: 29 }, { from: 20, to: 39 }], 0, 1000)).toEqual([
      { from: 0, to: 19, cached: false },
      { from: 20, to: 39, cached: true },
    ]);
  });

  it('ignores cached ranges that do not end on a slice boundary', () => {
    expect(planChunks(slices(10, 10), [{ from: 0, to: 14 }], 0, 1000)).toEqual([{ from: 0, to: 19, cached: false }]);
  });

  it('starts inside a slice when the rows loaded end there (a compaction merged slices across them)', () => {
    expect(planChunks([{ from: 0, to: 99 }, { from: 100, to: 109 }], [], 40, 1000)).toEqual([{ from: 40, to: 109, cached: false }]);
  });

  it('plans only what lies after the rows already loaded', () => {
    expect(planChunks(slices(10, 10, 10), [], 10, 1000)).toEqual([{ from: 10, to: 29, cached: false }]);
    expect(planChunks(slices(10, 10), [], 20, 1000)).toEqual([]);
  });
});
