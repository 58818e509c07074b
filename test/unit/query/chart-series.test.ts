import { describe, expect, it } from 'vitest';
import { alignSeries } from '../../../lib/query/chart-series';

describe('alignSeries', () => {
  it('puts every series on one sorted x axis, with null where a series has no point', () => {
    const aligned = alignSeries(
      [
        { x: 3, y: 30, series: 'b' },
        { x: 1, y: 1, series: 'a' },
        { x: 2, y: 2, series: 'a' },
        { x: 2, y: 20, series: 'b' },
      ],
      10,
    );
    expect(aligned).toEqual({ xs: [1, 2, 3], series: [{ name: 'b', ys: [null, 20, 30] }, { name: 'a', ys: [1, 2, null] }] });
  });

  it('gives up beyond maxSeries series', () => {
    expect(alignSeries([1, 2, 3].map((i) => ({ x: i, y: i, series: `s${i}` })), 2)).toBeUndefined();
  });
});
