import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SluiceError } from '../errors';

/**
 * The master key (SLUICE_SECRET_KEY, base64 of at least 32 bytes) from which the session-signing
 * secret and the encryption key of stored secrets are derived. The embedded default generates
 * one in its data directory, readable by its owner only; a deployment on a real Postgres must set
 * the variable, so every instance shares it.
 */
export function loadMasterKey(opts: { envValue?: string; dataDir?: string }): Buffer {
  if (opts.envValue) return decodeKey(opts.envValue, 'SLUICE_SECRET_KEY');
  if (!opts.dataDir) {
    throw new SluiceError('INVALID_INPUT', 'set SLUICE_SECRET_KEY (e.g. `openssl rand -base64 32`): sessions and stored broker secrets are protected with it');
  }
  const file = path.join(opts.dataDir, 'secret.key');
  if (fs.existsSync(file)) return decodeKey(fs.readFileSync(file, 'utf8').trim(), file);
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  fs.writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

function decodeKey(text: string, origin: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length < 32) throw new SluiceError('INVALID_INPUT', `${origin} must hold at least 32 random bytes, base64-encoded`);
  return key;
}

/** An independent 32-byte key for one purpose ("auth", "secrets"), so no key serves two. */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `sluice/${purpose}`, 32));
}
