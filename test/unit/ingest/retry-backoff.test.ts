import { describe, expect, it } from 'vitest';
import { RetryBackoff } from '../../../lib/ingest/retry-backoff';

describe('RetryBackoff', () => {
  it('waits the base after a failure, doubled per failure in a row up to the cap; a success forgets them', () => {
    const retries = new RetryBackoff(100, 350);
    expect(retries.due('d', 0)).toBe(true);
    expect([retries.failed('d', 0), retries.failed('d', 0), retries.failed('d', 0)]).toEqual([100, 200, 350]);
    expect(retries.due('d', 349)).toBe(false);
    expect(retries.due('d', 350)).toBe(true);
    expect(retries.due('other', 0)).toBe(true);
    retries.succeeded('d');
    expect(retries.due('d', 0)).toBe(true);
    expect(retries.failed('d', 0)).toBe(100);
  });

  it('defaults to 10 s, up to 10 minutes', () => {
    const retries = new RetryBackoff();
    const waits = Array.from({ length: 8 }, () => retries.failed('d', 0));
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]);
  });
});
