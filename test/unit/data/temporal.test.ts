import { describe, expect, it } from 'vitest';
import { isoTimestamp, MAX_EPOCH_MS } from '../../../lib/data/temporal';

const DAY = 86_400_000;

describe('isoTimestamp', () => {
  it('writes what Date#toISOString writes, for any year and time of day', () => {
    const instants = [
      0, -0, 1, -1, 999, 1000, DAY - 1, DAY, -DAY, -DAY - 1, -DAY + 1,
      Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 12, 34, 56, 7), Date.UTC(2000, 1, 29), Date.UTC(1900, 1, 28, 23, 59, 59, 999),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999), Date.UTC(999, 11, 31, 23, 59, 59, 999), Date.UTC(1000, 0, 1),
      Date.UTC(1, 0, 1), Date.UTC(0, 0, 1) - 1, Date.UTC(-1, 5, 15, 1, 2, 3, 4), Date.UTC(-271821, 3, 20),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), Date.UTC(275760, 8, 13),
      MAX_EPOCH_MS, -MAX_EPOCH_MS, MAX_EPOCH_MS - 1, -MAX_EPOCH_MS + 1,
    ];
    // Times of day and days either side of 1970 and across centuries, in an order that changes day often.
    for (let i = 0; i < 20_000; i++) instants.push(Math.round(Math.sin(i) * 4e14) + (i % 7) * 3_600_123);
    for (const ms of instants) expect(isoTimestamp(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('leaves what is not a valid integer instant to toISOString', () => {
    expect(isoTimestamp(1.5)).toBe(new Date(1.5).toISOString());
    expect(() => isoTimestamp(MAX_EPOCH_MS + 1)).toThrow(RangeError);
    expect(() => isoTimestamp(Number.NaN)).toThrow(RangeError);
  });
});
