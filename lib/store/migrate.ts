import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/**
 * Applies `prisma/migrations/<name>/migration.sql` in name order, each in its own transaction,
 * recording them in Prisma's standard `_prisma_migrations` table so `prisma migrate` can take
 * over wherever its (downloaded) schema engine is available. Prisma's CLI cannot run offline here.
 * An advisory lock serialises concurrent starters (app + CLI). Every CLI command calls this, so
 * an up-to-date database is recognised with one read and nothing else (no lock, no DDL).
 */
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations');

const MIGRATION_LOCK = 72707369; // arbitrary, fixed: "sluice migrations"

/**
 * Data steps a migration's SQL cannot express, run in its transaction before its SQL. (Prisma's
 * own CLI does not know them: apply these migrations with this runner.) Each is imported only when
 * its migration runs: they need heavy modules (Arrow) that a migrated store's start never does.
 */
const DATA_STEPS: Record<string, (db: pg.ClientBase) => Promise<void>> = {
  '20261205120000_slices_only': async (db) => (await import('./move-rows-into-slices')).moveRowsIntoSlices(db),
};

export async function applyMigrations(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const names = fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'migration.sql'))).sort();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let locked = false;
  try {
    if (await allApplied(client, names)) return [];
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    locked = true;
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const done = new Set(
      (await client.query<{ migration_name: string }>(
        'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      )).rows.map((r) => r.migration_name),
    );
    const applied: string[] = [];
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      await client.query('BEGIN');
      try {
        await DATA_STEPS[name]?.(client);
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), createHash('sha256').update(sql).digest('hex'), name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(name);
    }
    return applied;
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** Whether every migration in `names` is recorded as applied: one read (none on a new database). */
async function allApplied(client: pg.Client, names: string[]): Promise<boolean> {
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(DISTINCT migration_name)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL AND migration_name = ANY($1)',
      [names],
    );
    return rows[0].n === names.length;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return false; // undefined_table: nothing applied yet
    throw err;
  }
}
