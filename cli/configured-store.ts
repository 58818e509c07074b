import type { Store } from '../lib/store/open-store';

/**
 * The store the environment names (DATABASE_URL, else the embedded database in SLUICE_DATA_DIR),
 * migrated. Its modules (pg, Prisma, PGlite, zod) are imported here, on first use, so that
 * commands that never open the store do not load them.
 *
 * Every CLI command and `sluice worker` opens the store here, so this is where their broker
 * policy is installed: judged as strictly as the console that last started on this database
 * (an operator's shell or cron job need not carry SLUICE_OPEN_SIGNUP).
 */
export async function openConfiguredStore(): Promise<Store> {
  const [{ readEnv }, { openStore }, { installRecordedBrokerPolicy }] = await Promise.all([
    import('../lib/config/env'),
    import('../lib/store/open-store'),
    import('../lib/brokers/active-broker-policy'),
  ]);
  const env = readEnv();
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.SLUICE_DATA_DIR });
  await installRecordedBrokerPolicy(store, env);
  return store;
}
