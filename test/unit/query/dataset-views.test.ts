import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { changelogTable, currentStateViewSql } from '../../../lib/query/dataset-views';

/** The view SQL runs on native DuckDB here, the same engine the browser runs as WASM. */
async function query(setup: string[], sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  for (const s of setup) await conn.run(s);
  const reader = await conn.runAndReadAll(sql);
  const rows = reader.getRows();
  conn.closeSync();
  return rows;
}

const changelog = (name: string) => `CREATE TABLE "${changelogTable(name)}" AS SELECT * FROM (VALUES
  (0, 0, 'k1', 10), (1, 0, 'k2', 20),
  (2, 2, 'k1', 10), (3, 3, 'k1', 11),
  (4, 1, 'k2', 20), (5, 0, 'k3', 30)
) AS t("offset", op, key, value)`;

describe('dataset views', () => {
  it('Snapshot/Upsert: the plain name is the current state (latest row per key, retracted keys gone)', async () => {
    const rows = await query([changelog('s'), currentStateViewSql({ name: 's', mergeKind: 'Snapshot', primaryKey: ['key'] })], 'SELECT key, value FROM s ORDER BY key');
    expect(rows).toEqual([['k1', 11], ['k3', 30]]);
  });

  it('Append/Ledger: the plain name is every row', async () => {
    const rows = await query([changelog('l'), currentStateViewSql({ name: 'l', mergeKind: 'Ledger', primaryKey: ['key'] })], 'SELECT count(*)::INTEGER FROM l');
    expect(rows).toEqual([[6]]);
  });
});
