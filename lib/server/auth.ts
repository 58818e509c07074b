import 'server-only';
import { nextCookies } from 'better-auth/next-js';
import { createAuth, type Auth } from '../auth/create-auth';
import { readEnv } from '../config/env';
import { loadMasterKey } from '../config/secret-key';
import { defaultDataDir } from '../store/connect-store';
import { getStore } from './store';

const globalForAuth = globalThis as unknown as { sluiceAuth?: Promise<Auth> };

/** The console's Better Auth instance, created once per server process. */
export function getAuth(): Promise<Auth> {
  globalForAuth.sluiceAuth ??= (async () => {
    const env = readEnv();
    const master = loadMasterKey({ envValue: env.SLUICE_SECRET_KEY, dataDir: env.DATABASE_URL ? undefined : (env.SLUICE_DATA_DIR ?? defaultDataDir()) });
    const store = await getStore();
    return createAuth({
      prisma: store.prisma,
      masterKey: master,
      baseURL: env.SLUICE_PUBLIC_URL,
      plugins: [nextCookies()],
    });
  })();
  return globalForAuth.sluiceAuth;
}
