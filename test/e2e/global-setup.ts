import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { openStore } from '../../lib/store/open-store';
import { freePort, waitForPort } from '../support/free-port';
import { startMosquitto } from '../support/mosquitto-server';
import { startPostgres } from '../support/postgres-server';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NEXT = path.join(ROOT, 'node_modules/next/dist/bin/next');

/**
 * Starts PostgreSQL and Mosquitto (TCP + WebSocket) on free loopback ports, migrates the database,
 * builds the console and serves it with `next start`. Tests find them through SLUICE_E2E_* variables.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
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

  process.env.SLUICE_E2E_BASE_URL = `http://127.0.0.1:${port}`;
  process.env.SLUICE_E2E_DATABASE_URL = postgres.adminUrl;
  process.env.SLUICE_E2E_MQTT_PORT = String(mosquitto.port);
  process.env.SLUICE_E2E_MQTT_WS_URL = mosquitto.wsUrl;
  return async () => {
    web.kill('SIGTERM');
    await mosquitto.stop();
    postgres.stop();
  };
}
