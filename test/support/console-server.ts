import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { openStore } from '../../lib/store/open-store';
import { freePort, waitForPort } from './free-port';
import { startMosquitto, type MosquittoServer } from './mosquitto-server';
import { startPostgres } from './postgres-server';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NEXT = path.join(ROOT, 'node_modules/next/dist/bin/next');

export interface ConsoleServer {
  baseUrl: string;
  databaseUrl: string;
  mosquitto: MosquittoServer;
  stop(): Promise<void>;
}

/**
 * The console as a user runs it, for browser tests and benchmarks: PostgreSQL and Mosquitto (TCP +
 * WebSocket) on free loopback ports, the database migrated, the app built and served by `next start`.
 */
export async function startConsole(): Promise<ConsoleServer> {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const build = spawnSync(process.execPath, [NEXT, 'build'], { cwd: ROOT, env, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);

  const [postgres, mosquitto] = await Promise.all([startPostgres(), startMosquitto()]);
  const store = await openStore({ databaseUrl: postgres.adminUrl });
  await store.close();
  const port = await freePort();
  const web = spawn(process.execPath, [NEXT, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...env, DATABASE_URL: postgres.adminUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(port, 30_000);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    databaseUrl: postgres.adminUrl,
    mosquitto,
    stop: async () => {
      web.kill('SIGTERM');
      await mosquitto.stop();
      postgres.stop();
    },
  };
}
