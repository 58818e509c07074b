import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SluiceError } from '../errors';

/**
 * Authenticated encryption of stored secrets: AES-256-GCM, a fresh 96-bit nonce per value, and the
 * secret's place (workspace, dataset, name) as associated data, so a ciphertext copied to another
 * row or name fails to decrypt instead of leaking there.
 */
export interface SealedSecret {
  nonce: Buffer;
  /** Ciphertext followed by the 16-byte GCM tag. */
  sealed: Buffer;
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('SecretBox needs a 32-byte key');
  }

  seal(plaintext: string, place: string): SealedSecret {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(place, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { nonce, sealed: Buffer.concat([body, cipher.getAuthTag()]) };
  }

  open(s: SealedSecret, place: string): string {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, s.nonce);
      decipher.setAAD(Buffer.from(place, 'utf8'));
      decipher.setAuthTag(s.sealed.subarray(s.sealed.length - 16));
      return Buffer.concat([decipher.update(s.sealed.subarray(0, s.sealed.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      throw new SluiceError('SECRET_UNREADABLE', `a stored secret (${place}) cannot be decrypted: SLUICE_SECRET_KEY is not the key it was stored with`);
    }
  }
}
