import 'server-only';
import { readEnv } from '../config/env';
import { connectStore, type Store } from '../store/connect-store';

/**
 * The console's store, opened once per server process. `sluice start` (or `sluice migrate`)
 * migrates the database first; the web server only connects.
 */
const globalForStore = globalThis as unknown as { sluiceStore?: Promise<Store> };

export function getStore(): Promise<Store> {
  globalForStore.sluiceStore ??= (async () => {
    const env = readEnv();
    return connectStore({ databaseUrl: env.DATABASE_URL, dataDir: env.SLUICE_DATA_DIR });
  })();
  return globalForStore.sluiceStore;
}
