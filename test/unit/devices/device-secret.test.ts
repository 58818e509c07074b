import { describe, expect, it } from 'vitest';
import { hashDeviceSecret, newDeviceSecret, verifyDeviceSecret } from '../../../lib/devices/device-secret';

describe('[devices] device secrets', () => {
  it('verifies the secret a hash was made from, and nothing else', async () => {
    const secret = newDeviceSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await hashDeviceSecret(secret);
    expect(stored).not.toContain(secret);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyDeviceSecret(secret, stored)).toBe(true);
    expect(await verifyDeviceSecret(`${secret}x`, stored)).toBe(false);
    expect(await verifyDeviceSecret(secret, await hashDeviceSecret(secret))).toBe(true);
    expect(await verifyDeviceSecret(secret, 'plain')).toBe(false);
  });
});
