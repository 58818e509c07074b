import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32, adler32Combine, deflateSegment, inflateSegment, joinSegments, zlibFromSegments } from '../../../lib/data/deflate-segments';

/** Adler-32 by zlib itself: the last four bytes of a zlib stream. */
const zlibAdler = (b: Uint8Array) => zlib.deflateSync(b).readUInt32BE(zlib.deflateSync(b).length - 4);

describe('deflate segments', () => {
  it('computes Adler-32 as zlib does, across the modulo boundary', () => {
    for (const b of [new Uint8Array(0), Buffer.from('Wikipedia'), new Uint8Array(20_000).fill(255), randomBytes(70_001)]) expect(adler32(b)).toBe(zlibAdler(b));
  });

  it('combines Adler-32 of two parts into that of the whole', () => {
    const [a, b] = [randomBytes(12_345), randomBytes(54_321)];
    expect(adler32Combine(adler32(a), adler32(b), b.length)).toBe(adler32(Buffer.concat([a, b])));
  });

  it('joins separately compressed segments into one valid zlib stream (checksum verified by zlib)', () => {
    const parts = [Buffer.from('schema|'), randomBytes(100_000), Buffer.alloc(0), Buffer.from('x'.repeat(50_000)), Buffer.from('|end')];
    const joined = zlibFromSegments(parts.map(deflateSegment));
    expect(Buffer.from(zlib.inflateSync(joined))).toEqual(Buffer.concat(parts));
  });

  it('joins segments into one segment of the bytes one after the other (what a merged slice stores)', () => {
    const parts = [randomBytes(30_000), Buffer.from('y'.repeat(40_000)), Buffer.alloc(0), Buffer.from('tail')];
    const joined = joinSegments(parts.map(deflateSegment));
    const whole = Buffer.concat(parts);
    expect(Buffer.from(inflateSegment(joined))).toEqual(whole);
    expect(joined.adler32).toBe(adler32(whole));
    expect(joined.size).toBe(whole.length);
  });
});
