import type { FailedAuthLimiter } from '../device-endpoint/failed-auth-limiter';
import type { DeviceEndpointStore, StoredDevice } from '../device-endpoint/ports';
import { verifyDeviceSecret } from './device-secret';

export type DeviceAuthentication = { outcome: 'authentic'; device: StoredDevice } | { outcome: 'wrong'; device?: StoredDevice } | { outcome: 'rate-limited' };

/**
 * Checks a device's username and secret, for the MQTT endpoint and HTTP push alike: within the
 * address's failed-authentication limit, and with the same scrypt work whether the username exists
 * or not (it ran only for known ones, so a fast refusal named an unknown username). `wrong` carries
 * the credential when the username was known, for its refusal count.
 */
export async function authenticateDevice(devices: Pick<DeviceEndpointStore, 'findDevice'>, limiter: FailedAuthLimiter, address: string, username: string | undefined, secret: string): Promise<DeviceAuthentication> {
  const attempt = limiter.admit(address);
  if (!attempt) return { outcome: 'rate-limited' };
  let device: StoredDevice | undefined;
  let authentic = false;
  try {
    device = username ? await devices.findDevice(username) : undefined;
    authentic = await verifyDeviceSecret(secret, device?.secretHash);
  } finally {
    attempt.settle(authentic);
  }
  return authentic && device ? { outcome: 'authentic', device } : { outcome: 'wrong', device };
}
