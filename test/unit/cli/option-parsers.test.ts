import { describe, expect, it } from 'vitest';
import { duration, positiveDuration } from '../../../cli/option-parsers';

describe('command-line durations', () => {
  it('reads milliseconds and the units ms, s, m and h', () => {
    expect(['250', '500ms', '1s', '1.5s', '2m', '1h'].map(duration)).toEqual([250, 500, 1000, 1500, 120_000, 3_600_000]);
  });

  it('refuses what is not a duration, and an interval of zero, saying why', () => {
    for (const v of ['', 'abc', '-5', '1d', '1 s', '1e3']) expect(() => duration(v), v).toThrow(/is not a duration/);
    expect(() => positiveDuration('0')).toThrow('"0" is too short: at least 1ms');
    expect(() => positiveDuration('0ms')).toThrow('"0ms" is too short: at least 1ms');
    expect(positiveDuration('1ms')).toBe(1);
  });
});
