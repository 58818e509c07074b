import { beforeEach, describe, expect, it, vi } from 'vitest';

// Counts scrypt derivations: the work a device authentication does, whatever the machine's speed.
const derivations: number[] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (...args: Parameters<typeof crypto.scrypt>) => {
    derivations.push((args[3] as { N?: number }).N ?? 0);
    return (crypto.scrypt as (...a: unknown[]) => void)(...args);
  };
  return { ...crypto, default: { ...crypto, scrypt }, scrypt };
});

const { authenticateDevice } = await import('../../../lib/devices/authenticate-device');
const { hashDeviceSecret } = await import('../../../lib/devices/device-secret');
const { FailedAuthLimiter } = await import('../../../lib/device-endpoint/failed-auth-limiter');
const { pushOverHttp } = await import('../../../lib/devices/push-over-http');

const stored = { credentialId: 'c1', workspaceId: 'w1', username: 'dev-known', allowedFilters: [], expiresAt: null, revokedAt: null, secretHash: await hashDeviceSecret('the-secret') };
const devices = { findDevice: async (username: string) => (username === stored.username ? stored : undefined) };

beforeEach(() => {
  derivations.length = 0;
});

describe('[devices] authentication does the same work whether a username exists', () => {
  it('an unknown username costs one scrypt of the default strength, as a wrong secret does', async () => {
    expect(await authenticateDevice(devices, new FailedAuthLimiter(), 'a1', 'dev-known', 'wrong')).toEqual({ outcome: 'wrong', device: stored });
    const wrongSecret = [...derivations];
    derivations.length = 0;
    expect(await authenticateDevice(devices, new FailedAuthLimiter(), 'a2', 'dev-unknown', 'wrong')).toEqual({ outcome: 'wrong', device: undefined });
    expect(derivations).toEqual(wrongSecret);
    expect(wrongSecret).toEqual([16384]);
    expect(await authenticateDevice(devices, new FailedAuthLimiter(), 'a3', 'dev-known', 'the-secret')).toEqual({ outcome: 'authentic', device: stored });
  });

  it('HTTP push with an unknown username checks a secret too, with the same refusal', async () => {
    const store = { devices: { ...devices, addCounts: async () => undefined } } as unknown as Parameters<typeof pushOverHttp>[0]['store'];
    const push = (username: string) => pushOverHttp({ store, limiter: new FailedAuthLimiter(), address: 'a4', workspaceSlug: 'default', datasetName: 'd', authorization: `Bearer ${username}:guess`, body: Buffer.from('{}'), maxBytes: 1024 });
    await expect(push('dev-unknown')).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'unknown device username or wrong secret' });
    expect(derivations.length).toBeGreaterThanOrEqual(1);
    const unknown = derivations.at(-1);
    derivations.length = 0;
    await expect(push('dev-known')).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'unknown device username or wrong secret' });
    expect(derivations).toEqual([unknown]);
  });
});
