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
