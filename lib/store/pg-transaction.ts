import type pg from 'pg';

/** Runs `fn` in one transaction on a pooled connection: committed when it resolves, rolled back when it throws. */
export async function inTransaction(pool: pg.Pool, fn: (db: pg.PoolClient) => Promise<void>): Promise<void> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    await fn(db);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}
