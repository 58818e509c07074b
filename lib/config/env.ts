import { z } from 'zod';

/** A device limit: a whole number within [min, max]; the message names the variable. */
function deviceLimit(name: string, what: string, min: number, max: number) {
  const message = `${name} must be ${what}, a whole number from ${min} to ${max}`;
  return z.coerce.number(message).int(message).min(min, message).max(max, message).optional();
}

/** Environment, validated once at start-up; everything else receives typed values. */
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgresql:// URL')
    .optional(),
  SLUICE_DATA_DIR: z.string().min(1).optional(),
  /** The broker the console's demo and defaults point at; unset = the embedded broker. */
  SLUICE_BROKER_URL: z.string().regex(/^(mqtts?|wss?):\/\//, 'SLUICE_BROKER_URL must be an mqtt://, mqtts://, ws:// or wss:// URL').optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SLUICE_MQTT_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SLUICE_MQTT_WS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Base64 master key for sessions and stored secrets; the embedded default keeps one in its data directory. */
  SLUICE_SECRET_KEY: z.string().min(44, 'SLUICE_SECRET_KEY must be base64 of at least 32 bytes').optional(),
  /** The console's public origin (e.g. https://sluice.example.com), for session cookies and links. */
  SLUICE_PUBLIC_URL: z.url().optional(),
  /** The embedded broker's WebSocket listener (set by `sluice start` for the console it runs). */
  SLUICE_BROKER_WS_URL: z.string().regex(/^wss?:\/\//, 'SLUICE_BROKER_WS_URL must be a ws:// or wss:// URL').optional(),
  /** Which brokers datasets may reach (see lib/brokers/broker-policy.ts); unset: any, or only public ones while sign-up is open. */
  SLUICE_BROKER_ALLOW: z.string().optional(),
  /** Bindings `sluice pull` and the worker may take from their environment for `${{ env.NAME }}` (NAME=URL@workspace/dataset, comma-separated), besides --env. */
  SLUICE_PULL_ENV: z.string().optional(),
  // The live preview's MQTT relay (lib/relay/mqtt-relay.ts).
  /** The largest MQTT packet the relay passes in either direction, in bytes (its declared remaining length). */
  SLUICE_RELAY_MAX_PACKET: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Open relay connections per account (each holds a broker connection). */
  SLUICE_RELAY_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(8),
  // The device endpoint (lib/device-endpoint): publish-only MQTT for device credentials.
  /** 0 = no device endpoint in this process (`sluice serve`, `sluice start`). */
  SLUICE_DEVICES: z.enum(['0', '1'], 'SLUICE_DEVICES must be 1 or 0').optional(),
  /** Interface the device endpoint binds (default 127.0.0.1; 0.0.0.0 for devices on the network). */
  SLUICE_DEVICE_HOST: z.string().min(1).optional(),
  /** MQTT over TCP for devices (default 1884), over WebSocket (default 8084), over TLS (default 8884, with a certificate). */
  SLUICE_DEVICE_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SLUICE_DEVICE_WS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SLUICE_DEVICE_TLS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** PEM files of the device endpoint's TLS certificate (chain) and key; both or neither. */
  SLUICE_DEVICE_TLS_CERT: z.string().min(1).optional(),
  SLUICE_DEVICE_TLS_KEY: z.string().min(1).optional(),
  /** How devices reach the endpoint (mqtt://host:port), shown on push datasets' pages; default from host and port. */
  SLUICE_DEVICE_URL: z.string().regex(/^mqtts?:\/\//, 'SLUICE_DEVICE_URL must be an mqtt:// or mqtts:// URL').optional(),
  // Device limits (defaults in lib/device-endpoint/device-endpoint.ts, DEFAULT_DEVICE_LIMITS); each message names its variable.
  /** The largest MQTT packet a device may send, in bytes (default 256 KiB). */
  SLUICE_DEVICE_MAX_PACKET: deviceLimit('SLUICE_DEVICE_MAX_PACKET', 'a packet size in bytes', 1024, 64 * 1024 * 1024),
  /** Messages per second per device connection (default 5000). */
  SLUICE_DEVICE_MAX_RATE: deviceLimit('SLUICE_DEVICE_MAX_RATE', 'messages per second', 1, 10_000_000),
  /** Messages of one connection awaiting their commit (MQTT 5 receive maximum; default 1000, at most 65535). */
  SLUICE_DEVICE_MAX_INFLIGHT: deviceLimit('SLUICE_DEVICE_MAX_INFLIGHT', 'a number of messages', 1, 65_535),
  /** Open connections per device credential (default 100). */
  SLUICE_DEVICE_MAX_CONNECTIONS: deviceLimit('SLUICE_DEVICE_MAX_CONNECTIONS', 'a number of connections', 1, 1_000_000),
  /** Failed device authentications per client address within SLUICE_DEVICE_FAILED_AUTH_WINDOW before it is refused unchecked (default 10). */
  SLUICE_DEVICE_MAX_FAILED_AUTH: deviceLimit('SLUICE_DEVICE_MAX_FAILED_AUTH', 'a number of attempts', 1, 1_000_000),
  /** That window, in seconds (default 60). */
  SLUICE_DEVICE_FAILED_AUTH_WINDOW: deviceLimit('SLUICE_DEVICE_FAILED_AUTH_WINDOW', 'seconds', 1, 86_400),
  // --- Accounts (lib/config/signup.ts) ---
  /** 1 = anyone may create an account; unset/0 = after the first account, sign-up is by invitation only. */
  SLUICE_OPEN_SIGNUP: z.enum(['0', '1', 'false', 'true'], 'SLUICE_OPEN_SIGNUP must be 1 or 0').transform((v) => v === '1' || v === 'true').optional(),
  /** Who may create workspaces in the console: maintainers (default), everyone, or nobody (operator/CLI only). */
  SLUICE_WORKSPACE_CREATORS: z.enum(['maintainers', 'everyone', 'nobody'], 'SLUICE_WORKSPACE_CREATORS must be maintainers, everyone or nobody').optional(),
  // --- end of accounts ---
});

export type SluiceEnv = z.infer<typeof envSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): SluiceEnv {
  const result = envSchema.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== '')));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return result.data;
}
