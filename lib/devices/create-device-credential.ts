import type { DeviceRepository } from '../store/device-repository';
import { assertExpiryAhead, deviceExists, type DeviceCredentialInfo, type NewDeviceCredential } from './device-credential';
import { hashDeviceSecret, newDeviceSecret } from './device-secret';

/**
 * Creates a device credential in a workspace and returns it with its secret, which exists only in
 * this answer (the store keeps its scrypt hash): the console shows it once.
 */
export async function createDeviceCredential(a: {
  devices: Pick<DeviceRepository, 'create' | 'nameTaken'>;
  workspaceId: string;
  input: NewDeviceCredential;
  by?: string;
  now?: Date;
}): Promise<{ credential: DeviceCredentialInfo; secret: string }> {
  assertExpiryAhead(a.input.expiresAt, a.now ?? new Date());
  if (await a.devices.nameTaken(a.workspaceId, a.input.name)) throw deviceExists(a.input.name);
  const secret = newDeviceSecret();
  const credential = await a.devices.create({ workspaceId: a.workspaceId, ...a.input, secretHash: await hashDeviceSecret(secret), by: a.by });
  return { credential, secret };
}
