import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../lib/secrets/secret-box';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, with a fresh nonce each time and no plaintext in the ciphertext', () => {
    const a = box.seal('hunter2-broker', 'ws/ds/MQTT_PASSWORD');
    const b = box.seal('hunter2-broker', 'ws/ds/MQTT_PASSWORD');
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.sealed.includes(Buffer.from('hunter2'))).toBe(false);
    expect(box.open(a, 'ws/ds/MQTT_PASSWORD')).toBe('hunter2-broker');
  });

  it('refuses a value moved to another place, a tampered value, and another key', () => {
    const s = box.seal('secret', 'ws/ds/A');
    expect(() => box.open(s, 'ws/ds/B')).toThrow(/cannot be decrypted/);
    const tampered = { nonce: s.nonce, sealed: Buffer.from(s.sealed) };
    tampered.sealed[0] ^= 1;
    expect(() => box.open(tampered, 'ws/ds/A')).toThrow(/cannot be decrypted/);
    expect(() => new SecretBox(randomBytes(32)).open(s, 'ws/ds/A')).toThrow(/SLUICE_SECRET_KEY/);
  });
});
