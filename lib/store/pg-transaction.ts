import type pg from 'pg';

/**
 * Runs `fn` in one transaction on a pooled connection: committed when it resolves, rolled back when
 * it throws. `begin` may set its mode (e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`).
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (db: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query(begin);
    const result = await fn(db);
    await db.query('COMMIT');
    return result;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}
