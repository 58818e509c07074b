import type { Store } from '../lib/store/open-store';

/**
 * The store the environment names (DATABASE_URL, else the embedded database in SLUICE_DATA_DIR),
 * migrated. Its modules (pg, Prisma, PGlite, zod) are imported here, on first use, so that
 * commands that never open the store do not load them.
 */
export async function openConfiguredStore(): Promise<Store> {
  const [{ readEnv }, { openStore }] = await Promise.all([import('../lib/config/env'), import('../lib/store/open-store')]);
  const env = readEnv();
  return openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.SLUICE_DATA_DIR });
}
