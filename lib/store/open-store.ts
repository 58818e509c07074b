import { connectStore, type Store, type StoreConfig } from './connect-store';
import { applyMigrations } from './migrate';

export { defaultDataDir, type Store, type StoreConfig } from './connect-store';

/** Opens the store and applies pending migrations: `DATABASE_URL` if given, else the embedded Postgres. */
export function openStore(config: StoreConfig = {}): Promise<Store> {
  return connectStore(config, (url) => applyMigrations(url).then(() => undefined));
}
