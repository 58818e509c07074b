/**
 * The 64-bit hash under which Ledger's key state records a merge key (a `stateKeyOf` string),
 * signed like Postgres's bigint. Two 32-bit lanes over the key's UTF-16 code units — FNV-1a, and a
 * multiply-xorshift lane with another prime — each finished with MurmurHash3's fmix32 avalanche.
 *
 * Not collision-free, and it need not be: the state only says "a key with this hash was seen in
 * rows [a, b)", and the engine confirms every hit against those rows before it drops a row. A
 * collision costs one slice read; it can never lose a row. The state keeps 32 or 48 of its bits
 * in a key's position (seen-keys.ts, which gives the collision odds).
 */
export function keyHash64(key: string): bigint {
  return BigInt.asIntN(64, (BigInt(keyHashHigh32(key)) << 32n) | BigInt(keyHashLow32(key)));
}

/**
 * keyHash64's top 32 bits, unsigned (its FNV-1a lane): all a time position keeps of the hash
 * (seen-keys.ts), without the other lane or a bigint.
 */
export function keyHashHigh32(key: string): number {
  let a = 0x811c9dc5 ^ key.length;
  for (let i = 0; i < key.length; i++) a = Math.imul(a ^ key.charCodeAt(i), 0x01000193);
  return fmix32(a);
}

/** keyHash64's low 32 bits, unsigned (its multiply-xorshift lane). */
function keyHashLow32(key: string): number {
  let b = 0x9747b28c ^ key.length;
  for (let i = 0; i < key.length; i++) {
    b = Math.imul(b ^ key.charCodeAt(i), 0x5bd1e995);
    b ^= b >>> 15;
  }
  return fmix32(b);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
