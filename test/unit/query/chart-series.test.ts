import { describe, expect, it } from 'vitest';
import { alignSeries, singleSeries } from '../../../lib/query/chart-series';

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

  it('a single series keeps every point, repeated x values included, in x order or the given order', () => {
    const points = [{ x: 2, y: 1, series: '' }, { x: 1, y: 2, series: '' }, { x: 2, y: 3, series: '' }];
    expect(singleSeries(points, false)).toEqual({ xs: [1, 2, 2], series: [{ name: '', ys: [2, 1, 3] }] });
    expect(singleSeries(points, true)).toEqual({ xs: [2, 1, 2], series: [{ name: '', ys: [1, 2, 3] }] });
  });
});
