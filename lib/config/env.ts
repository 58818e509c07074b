import { z } from 'zod';

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
  /** Names `sluice pull` may take from its environment for `${{ env.NAME }}` (comma-separated), besides --env. */
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
  /** The largest MQTT packet a device may send, in bytes (default 256 KiB). */
  SLUICE_DEVICE_MAX_PACKET: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).optional(),
  /** Messages per second per device connection (default 5000). */
  SLUICE_DEVICE_MAX_RATE: z.coerce.number().int().min(1).optional(),
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
