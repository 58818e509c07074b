import { describe, expect, it } from 'vitest';
import { readEnv as readProcessEnv } from '../../../lib/config/env';
import { deviceEndpointConfig } from '../../../lib/device-endpoint/endpoint-config';

const readEnv = (vars: Record<string, string>) => readProcessEnv(vars as NodeJS.ProcessEnv);

describe('device limits from the environment', () => {
  it('maps every limit variable onto the endpoint options', () => {
    const config = deviceEndpointConfig(
      readEnv({
        SLUICE_DEVICE_MAX_PACKET: '4096',
        SLUICE_DEVICE_MAX_RATE: '200',
        SLUICE_DEVICE_MAX_INFLIGHT: '50',
        SLUICE_DEVICE_MAX_CONNECTIONS: '7',
        SLUICE_DEVICE_MAX_FAILED_AUTH: '3',
        SLUICE_DEVICE_FAILED_AUTH_WINDOW: '30',
      }),
    );
    expect(config?.limits).toEqual({ maxPacketBytes: 4096, messagesPerSecond: 200, maxInflight: 50, connectionsPerCredential: 7 });
    expect(config?.failedAuth).toEqual({ max: 3, windowMs: 30_000 });
  });

  it('leaves the defaults alone when nothing is set', () => {
    const config = deviceEndpointConfig(readEnv({}));
    expect(config?.limits).toEqual({});
    expect(config?.failedAuth).toBeUndefined();
  });

  it.each([
    ['SLUICE_DEVICE_MAX_INFLIGHT', 'lots'],
    ['SLUICE_DEVICE_MAX_INFLIGHT', '70000'],
    ['SLUICE_DEVICE_MAX_CONNECTIONS', '0'],
    ['SLUICE_DEVICE_MAX_FAILED_AUTH', '2.5'],
    ['SLUICE_DEVICE_FAILED_AUTH_WINDOW', '-1'],
    ['SLUICE_DEVICE_MAX_PACKET', '12'],
    ['SLUICE_DEVICE_MAX_RATE', 'fast'],
  ])('refuses %s=%s at start-up with a message naming the variable', (name, value) => {
    expect(() => readEnv({ [name]: value })).toThrow(new RegExp(`${name}: ${name} must be`));
  });
});
