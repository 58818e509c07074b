import { describe, expect, it } from 'vitest';
import { bucketsOf } from '../../../lib/store/seen-key-buckets';

const SPAN = 2n ** 48n;
const entry = (position: bigint, ordinal = 0) => ({ position, ordinal });

describe("Ledger's seen-key buckets", () => {
  it('splits a full bucket in position order: the first keeps its lower bound, each other starts at its first position', () => {
    const items = Array.from({ length: 150 }, (_, i) => entry(BigInt(((i * 7919) % 150) * 1000 - 75_000), i));
    const pieces = bucketsOf([...items], -(2n ** 47n));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0].lo).toBe(-(2n ** 47n));
    expect(pieces.flatMap((p) => p.entries)).toEqual([...items].sort((a, b) => Number(a.position - b.position)));
    for (const p of pieces.slice(1)) expect(p.lo).toBe(p.entries[0].position);
    for (const p of pieces) expect(p.entries.length * 10).toBeLessThanOrEqual(1024);
  });

  it('never puts equal positions (a collision) in two buckets, where a lookup would find only one', () => {
    const items = Array.from({ length: 120 }, (_, i) => entry(BigInt(i < 50 ? i : 50), i));
    const holding = bucketsOf(items, 0n).filter((p) => p.entries.some((e) => e.position === 50n));
    expect(holding).toHaveLength(1);
    expect(holding[0].entries.filter((e) => e.position === 50n)).toHaveLength(70);
  });

  it('starts a new bucket where positions lie 2^48 or more past its bound: an entry keeps only the low 48 bits', () => {
    const t = (seconds: number, hash: number) => (BigInt(seconds) << 32n) | BigInt(hash);
    const pieces = bucketsOf([entry(t(1_767_225_600, 5)), entry(t(1_767_225_600 + 65_535, 7)), entry(t(1_767_225_600 + 65_536, 5))]);
    expect(pieces.map((p) => p.lo)).toEqual([t(1_767_225_600, 5), t(1_767_225_600 + 65_536, 5)]);
    for (const p of pieces) for (const e of p.entries) expect(e.position - p.lo < SPAN).toBe(true);
  });
});
