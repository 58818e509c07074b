import { createHash } from 'node:crypto';

/**
 * Hashes as ODF writes them: a SHA3-256 multihash (code 0x16, length 0x20) in base16 multibase
 * (prefix `f`), so every hash reads `f1620…`.
 */
const SHA3_256_MULTIHASH_PREFIX = 'f1620';

export function sha3Multihash(bytes: Uint8Array | string): string {
  return SHA3_256_MULTIHASH_PREFIX + createHash('sha3-256').update(bytes).digest('hex');
}

export function isMultihash(text: string): boolean {
  return /^f1620[0-9a-f]{64}$/.test(text);
}

/**
 * A SHA3-256 multihash over bytes fed in pieces: `digest` may be read at any point and feeding
 * goes on (the hash of A·B from A's state, without A's bytes: what merging slices needs).
 */
export function sha3Multihasher(): { update(bytes: Uint8Array): void; digest(): string } {
  const hash = createHash('sha3-256');
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => SHA3_256_MULTIHASH_PREFIX + hash.copy().digest('hex'),
  };
}
