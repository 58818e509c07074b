import fs from 'node:fs';
import type { SluiceEnv } from '../config/env';
import type { DeviceEndpointOptions } from './device-endpoint';
import { DEFAULT_FAILED_AUTH } from './failed-auth-limiter';

/** Default ports of the device endpoint: beside the embedded broker's 1883 / 8083 / 8883. */
export const DEVICE_PORTS = { port: 1884, wsPort: 8084, tlsPort: 8884 } as const;

/**
 * The device endpoint's listeners and limits from the environment (ports may be overridden by
 * ports remembered from an earlier start); undefined when SLUICE_DEVICES=0.
 */
export function deviceEndpointConfig(env: SluiceEnv, remembered: { port?: number; wsPort?: number } = {}): Omit<DeviceEndpointOptions, 'store'> | undefined {
  if (env.SLUICE_DEVICES === '0') return undefined;
  if (!!env.SLUICE_DEVICE_TLS_CERT !== !!env.SLUICE_DEVICE_TLS_KEY) throw new Error('SLUICE_DEVICE_TLS_CERT and SLUICE_DEVICE_TLS_KEY go together: set both, or neither');
  return {
    host: env.SLUICE_DEVICE_HOST ?? '127.0.0.1',
    port: env.SLUICE_DEVICE_PORT ?? remembered.port ?? DEVICE_PORTS.port,
    wsPort: env.SLUICE_DEVICE_WS_PORT ?? remembered.wsPort ?? DEVICE_PORTS.wsPort,
    tls: env.SLUICE_DEVICE_TLS_CERT
      ? { port: env.SLUICE_DEVICE_TLS_PORT ?? DEVICE_PORTS.tlsPort, cert: fs.readFileSync(env.SLUICE_DEVICE_TLS_CERT), key: fs.readFileSync(env.SLUICE_DEVICE_TLS_KEY!) }
      : undefined,
    limits: {
      ...(env.SLUICE_DEVICE_MAX_PACKET ? { maxPacketBytes: env.SLUICE_DEVICE_MAX_PACKET } : {}),
      ...(env.SLUICE_DEVICE_MAX_RATE ? { messagesPerSecond: env.SLUICE_DEVICE_MAX_RATE } : {}),
      ...(env.SLUICE_DEVICE_MAX_INFLIGHT ? { maxInflight: env.SLUICE_DEVICE_MAX_INFLIGHT } : {}),
      ...(env.SLUICE_DEVICE_MAX_CONNECTIONS ? { connectionsPerCredential: env.SLUICE_DEVICE_MAX_CONNECTIONS } : {}),
    },
    ...(env.SLUICE_DEVICE_MAX_FAILED_AUTH || env.SLUICE_DEVICE_FAILED_AUTH_WINDOW
      ? { failedAuth: { max: env.SLUICE_DEVICE_MAX_FAILED_AUTH ?? DEFAULT_FAILED_AUTH.max, windowMs: (env.SLUICE_DEVICE_FAILED_AUTH_WINDOW ?? DEFAULT_FAILED_AUTH.windowMs / 1000) * 1000 } }
      : {}),
  };
}

/**
 * The ports this machine's device endpoint listens on, as configured (`sluice start` hands the
 * web server the ones it actually took): none when SLUICE_DEVICES=0.
 */
export function deviceEndpointPorts(env: SluiceEnv): number[] {
  if (env.SLUICE_DEVICES === '0') return [];
  const ports = [env.SLUICE_DEVICE_PORT ?? DEVICE_PORTS.port, env.SLUICE_DEVICE_WS_PORT ?? DEVICE_PORTS.wsPort];
  if (env.SLUICE_DEVICE_TLS_CERT) ports.push(env.SLUICE_DEVICE_TLS_PORT ?? DEVICE_PORTS.tlsPort);
  return ports;
}

/** How devices reach this server's endpoint, for the console's connection instructions; undefined without one. */
export function deviceEndpointUrl(env: SluiceEnv): string | undefined {
  if (env.SLUICE_DEVICES === '0') return undefined;
  if (env.SLUICE_DEVICE_URL) return env.SLUICE_DEVICE_URL;
  const host = env.SLUICE_DEVICE_HOST ?? '127.0.0.1';
  return `mqtt://${host === '0.0.0.0' ? '127.0.0.1' : host}:${env.SLUICE_DEVICE_PORT ?? DEVICE_PORTS.port}`;
}
