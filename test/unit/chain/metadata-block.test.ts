import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../lib/data/canonical-json';
import { sha3Multihash, isMultihash } from '../../../lib/chain/hash';
import { chainBlocks, hashBlock } from '../../../lib/chain/metadata-block';
import { newDatasetId } from '../../../lib/chain/dataset-id';

describe('hashing', () => {
  it('is a SHA3-256 multihash in base16 multibase', () => {
    // Known SHA3-256 of the empty string.
    expect(sha3Multihash('')).toBe('f1620a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
    expect(isMultihash(sha3Multihash('x'))).toBe(true);
  });

  it('canonical JSON sorts keys, omits undefined and writes bigint as digits', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: 12345678901234567890n })).toBe('{"a":[true,null,"x"],"b":1,"d":12345678901234567890}');
    expect(canonicalJson({ x: { z: 1, y: 2 } })).toBe(canonicalJson({ x: { y: 2, z: 1 } }));
  });
});

describe('chainBlocks', () => {
  const t = new Date('2026-01-01T00:00:00.000Z');
  it('starts at sequence 0 without a prev hash and links every next block to the last', () => {
    const [seed, info] = chainBlocks(undefined, [{ kind: 'Seed', datasetId: 'did:odf:x', datasetKind: 'Root' }, { kind: 'SetInfo' }], t);
    expect(seed.block).toEqual({ systemTime: '2026-01-01T00:00:00.000Z', sequenceNumber: 0, event: { kind: 'Seed', datasetId: 'did:odf:x', datasetKind: 'Root' } });
    expect(info.block.prevBlockHash).toBe(seed.hash);
    expect(info.block.sequenceNumber).toBe(1);
    expect(hashBlock(info.block)).toBe(info.hash);
    const [next] = chainBlocks({ hash: info.hash, sequenceNumber: 1 }, [{ kind: 'SetInfo', description: 'd' }], t);
    expect(next.block).toMatchObject({ sequenceNumber: 2, prevBlockHash: info.hash });
  });

  it('changes the hash when any field changes', () => {
    const [a] = chainBlocks(undefined, [{ kind: 'SetInfo', description: 'a' }], t);
    const [b] = chainBlocks(undefined, [{ kind: 'SetInfo', description: 'b' }], t);
    const [c] = chainBlocks(undefined, [{ kind: 'SetInfo', description: 'a' }], new Date(t.getTime() + 1));
    expect(new Set([a.hash, b.hash, c.hash]).size).toBe(3);
  });

  it('dataset ids are did:odf Ed25519 multicodec keys', () => {
    expect(newDatasetId()).toMatch(/^did:odf:fed01[0-9a-f]{64}$/);
    expect(newDatasetId()).not.toBe(newDatasetId());
  });
});
