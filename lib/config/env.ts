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
  // The live preview's MQTT relay (lib/relay/mqtt-relay.ts).
  /** The largest MQTT packet the relay passes in either direction, in bytes (its declared remaining length). */
  SLUICE_RELAY_MAX_PACKET: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Open relay connections per account (each holds a broker connection). */
  SLUICE_RELAY_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(8),
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
