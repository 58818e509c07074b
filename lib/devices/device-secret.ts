import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Device secrets: 32 random bytes (base64url), shown once, stored as an scrypt hash
 * `scrypt$N$r$p$salt$hash` so the database alone never lets anyone connect as a device. The
 * parameters travel with the hash, so they can be raised later without breaking stored ones.
 */
const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

export function newDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}

function derive(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `params` other than the default only where a hash's strength does not matter (tests that connect many devices many times). */
export async function hashDeviceSecret(secret: string, params: { N: number; r: number; p: number } = PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** What a secret is checked against when its username is unknown: the default strength, a salt and key of zeros (the outcome is ignored). */
const DECOY_HASH = ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, Buffer.alloc(16).toString('base64url'), Buffer.alloc(KEY_BYTES).toString('base64url')].join('$');

/**
 * Whether `secret` is the one `stored` was made from (constant-time; false for a malformed hash).
 * `stored` undefined (no credential of that username): false after the same scrypt work as a wrong
 * secret, so how long a refusal takes does not tell which usernames exist.
 */
export async function verifyDeviceSecret(secret: string, stored: string | undefined): Promise<boolean> {
  if (stored === undefined) {
    await verifyDeviceSecret(secret, DECOY_HASH);
    return false;
  }
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
