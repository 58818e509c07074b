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
