import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openStore, type Store } from '../../lib/store/open-store';

/** A fresh database on the run's throwaway server, migrated; refuses anything but loopback. */
export async function createTestDatabase(): Promise<string> {
  const admin = inject('pgAdminUrl');
  const url = new URL(admin);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`refusing non-local test database ${url.hostname}`);
  const name = `sluice_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  url.pathname = `/${name}`;
  return url.toString();
}

/** The key stored secrets are sealed with in tests (CLI processes get it as SLUICE_SECRET_KEY). */
export const TEST_SECRET_KEY = randomBytes(32);

export async function createTestStore(): Promise<Store> {
  return openStore({ databaseUrl: await createTestDatabase(), secretKey: TEST_SECRET_KEY });
}
