import { describe, expect, it } from 'vitest';
import { splitBucket } from '../../../lib/store/seen-key-buckets';

/** Entries as the store keeps them: a hash's top 48 bits, its batch's ordinal in 4 bytes. */
function entries(items: [number, number][]): Buffer {
  const out = Buffer.alloc(items.length * 10);
  items.forEach(([prefix, ordinal], i) => {
    out.writeIntBE(prefix, i * 10, 6);
    out.writeUInt32BE(ordinal, i * 10 + 6);
  });
  return out;
}

function decode(b: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at < b.length; at += 10) out.push([b.readIntBE(at, 6), b.readUInt32BE(at + 6)]);
  return out;
}

describe("Ledger's seen-key buckets", () => {
  it('splits a full bucket in hash order: the first keeps its lower bound, each other starts at its first prefix', () => {
    const items: [number, number][] = Array.from({ length: 150 }, (_, i) => [((i * 7919) % 150) * 1000 - 75_000, i]);
    const pieces = splitBucket(-(2n ** 63n), entries(items));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0].lo).toBe(-(2n ** 63n));
    expect(pieces.flatMap((p) => decode(p.entries))).toEqual([...items].sort((a, b) => a[0] - b[0]));
    for (const p of pieces.slice(1)) expect(p.lo).toBe(BigInt(decode(p.entries)[0][0]) << 16n);
    for (const p of pieces) expect(p.entries.length).toBeLessThanOrEqual(1024);
  });

  it('never puts equal prefixes (a collision) in two buckets, where a lookup would find only one', () => {
    const items: [number, number][] = Array.from({ length: 120 }, (_, i) => [i < 50 ? i : 50, i]);
    const pieces = splitBucket(0n, entries(items));
    const holding = pieces.filter((p) => decode(p.entries).some(([h]) => h === 50));
    expect(holding).toHaveLength(1);
    expect(decode(holding[0].entries).filter(([h]) => h === 50)).toHaveLength(70);
  });
});
