import { describe, expect, it } from 'vitest';
import { barLabelSplits, isoTime, shortLabel, timeAxisLabels, zeroBasedRange } from '../../../lib/query/chart-axes';

const at = (iso: string) => Date.parse(iso) / 1000;

describe('chart axes', () => {
  it('writes times as ISO UTC, not local "12/5/26 2:42am"', () => {
    expect(isoTime(at('2026-12-05T02:42:00Z'))).toBe('2026-12-05 02:42:00Z');
    expect(isoTime(at('2026-12-05T02:42:00.250Z'))).toBe('2026-12-05 02:42:00.250Z');
  });

  it('labels time ticks with the time of day, and the date where it changes', () => {
    const splits = [at('2026-12-04T23:00:00Z'), at('2026-12-04T23:30:00Z'), at('2026-12-05T00:00:00Z')];
    expect(timeAxisLabels(splits, 1800)).toEqual(['23:00Z\n2026-12-04', '23:30Z', '00:00Z\n2026-12-05']);
    expect(timeAxisLabels([at('2026-12-05T02:42:05Z')], 5)).toEqual(['02:42:05Z\n2026-12-05']);
    expect(timeAxisLabels([at('2026-12-05T00:00:00Z'), at('2026-12-06T00:00:00Z')], 86_400)).toEqual(['2026-12-05', '2026-12-06']);
  });

  it('starts a value axis at zero, so 17.79 and 19.03 look alike rather than tenfold apart', () => {
    const [lo, hi] = zeroBasedRange(17.79, 19.03);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(19.03);
    expect(zeroBasedRange(-2, 3)[0]).toBeLessThan(-2);
    expect(zeroBasedRange(0, 0)).toEqual([0, 1]);
  });

  it('labels every bar when they fit, else every k-th', () => {
    expect(barLabelSplits(2, 800, 100)).toEqual([0, 1]);
    expect(barLabelSplits(10, 400, 100)).toEqual([0, 3, 6, 9]);
    expect(shortLabel('a-very-long-device-name', 10)).toBe('a-very-lo…');
  });
});
