import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha3Multihash, sha3Multihasher } from '../../../lib/chain/hash';

describe('sha3Multihasher', () => {
  it('gives the hash of the bytes fed so far, and goes on after a digest (a merged slice grows)', () => {
    const [a, b] = [randomBytes(10_000), randomBytes(777)];
    const h = sha3Multihasher();
    h.update(a);
    expect(h.digest()).toBe(sha3Multihash(a));
    h.update(b);
    expect(h.digest()).toBe(sha3Multihash(Buffer.concat([a, b])));
  });
});
