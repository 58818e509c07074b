import { describe, expect, it } from 'vitest';
import { isoTimestamp, MAX_EPOCH_MS, parseTimestampMs } from '../../../lib/data/temporal';

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

describe('parseTimestampMs', () => {
  // "…T…Z" with milliseconds takes a fast path; the same instant with a "+00:00" offset takes the general one.
  const general = (text: string) => parseTimestampMs(text.replace(/Z$/, '+00:00'));

  it('reads the common YYYY-MM-DDTHH:MM:SS.mmmZ form as the general path does', () => {
    const texts = ['0000-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '2024-02-29T12:34:56.789Z', '2000-02-29T00:00:00.001Z', '9999-12-31T23:59:59.999Z'];
    for (let i = 0; i < 5_000; i++) texts.push(new Date(Math.round(Math.sin(i) * 3e13) + Date.UTC(1970, 0, 1)).toISOString());
    for (const text of texts) {
      expect(parseTimestampMs(text), text).toBe(general(text));
      expect(parseTimestampMs(text), text).toBe(Date.parse(text));
    }
  });

  it('refuses what the general path refuses in that form', () => {
    for (const text of ['2023-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-00-01T00:00:00.000Z', '2026-01-00T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-01-01T24:00:00.000Z', '2026-01-01T00:60:00.000Z', '2026-01-01T00:00:60.000Z', '2026-01-01T00:00:00.00aZ', '2026-01-01T0:00:00.0000Z', '+026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000X']) {
      expect(parseTimestampMs(text), text).toBeUndefined();
      expect(general(text), text).toBeUndefined();
    }
  });
});
