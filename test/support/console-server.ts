import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROLE_NAMES, type Role } from '../../lib/auth/roles';
import { DEFAULT_WORKSPACE } from '../../lib/datasets/dataset-key';
import { createAccounts, signInCookies, type TestAccount } from './accounts';
import { openStore } from '../../lib/store/open-store';
import { freePort, waitForPort } from './free-port';
import { startMosquitto, type MosquittoServer } from './mosquitto-server';
import { startPostgres } from './postgres-server';
import { ensureConsoleBuild } from '../../cli/console-build';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ConsoleServer {
  baseUrl: string;
  databaseUrl: string;
  mosquitto: MosquittoServer;
  /** SLUICE_SECRET_KEY of the server: a store opened with it reads and writes the same secrets. */
  secretKey: Buffer;
  /** One account per role in the default workspace. */
  accounts: Record<Role, TestAccount>;
  /** Writes a Playwright storage state signed in as `role` and returns its path. */
  storageState(role: Role): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The console as a user runs it, for browser tests and benchmarks: PostgreSQL and Mosquitto (TCP +
 * WebSocket) on free loopback ports, the database migrated, a reader, an editor and a maintainer in
 * the default workspace, the app built and served by `sluice serve`.
 */
export async function startConsole(): Promise<ConsoleServer> {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  // The same build `sluice start` makes, reused while the console's sources are unchanged (a
  // content digest decides), and made while the servers start.
  const built = ensureConsoleBuild(ROOT, env);
  built.catch(() => undefined); // awaited below
  const [postgres, mosquitto] = await Promise.all([startPostgres(), startMosquitto()]);
  try {
    await built;
  } catch (err) {
    await mosquitto.stop();
    postgres.stop();
    throw err;
  }
  const master = randomBytes(32).toString('base64');
  const store = await openStore({ databaseUrl: postgres.adminUrl });
  const accounts = Object.fromEntries(
    ROLE_NAMES.map((role) => [role, { email: `${role}@sluice.test`, password: `${role}-password-1`, role }]),
  ) as Record<Role, TestAccount>;
  await createAccounts(store, Buffer.from(master, 'base64'), DEFAULT_WORKSPACE, Object.values(accounts));
  await store.close();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const web = spawn(process.execPath, [path.join(ROOT, 'bin/sluice.mjs'), 'serve', '--port', String(port), '--host', '127.0.0.1'], {
    cwd: ROOT,
    // The device endpoint on ports the OS picks: the standard ones may be taken on a shared machine.
    env: { ...env, DATABASE_URL: postgres.adminUrl, SLUICE_SECRET_KEY: master, SLUICE_PUBLIC_URL: baseUrl, SLUICE_DEVICE_PORT: '0', SLUICE_DEVICE_WS_PORT: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(port, 30_000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-auth-'));
  return {
    baseUrl,
    databaseUrl: postgres.adminUrl,
    mosquitto,
    secretKey: Buffer.from(master, 'base64'),
    accounts,
    storageState: async (role) => {
      const file = path.join(stateDir, `${role}.json`);
      const cookies = await signInCookies(baseUrl, accounts[role]);
      const state = { cookies: cookies.map((c) => ({ ...c, domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' as const })), origins: [] };
      fs.writeFileSync(file, JSON.stringify(state));
      return file;
    },
    stop: async () => {
      web.kill('SIGTERM');
      await mosquitto.stop();
      postgres.stop();
    },
  };
}
