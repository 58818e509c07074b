import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { datasetViewsSql, sliceTable, type QueryableDataset } from '../../../lib/query/dataset-views';
import type { DataField } from '../../../lib/odf/data-type';

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

const rawSlices = (name: string) => [
  'CREATE SCHEMA IF NOT EXISTS sluice',
  `CREATE TABLE ${sliceTable(name).sql} AS SELECT * FROM (VALUES
  (0, 0, 'k1', 10, '1.50'), (1, 0, 'k2', 20, '-2.25'),
  (2, 2, 'k1', 10, '1.50'), (3, 3, 'k1', 11, '3.00'),
  (4, 1, 'k2', 20, '-2.25'), (5, 0, 'k3', 30, NULL)
) AS t("offset", op, key, value, price)`,
];
const fields: DataField[] = [
  { name: 'key', type: { kind: 'String' } },
  { name: 'value', type: { kind: 'Int32' } },
  { name: 'price', type: { kind: 'Option', inner: { kind: 'Decimal', precision: 10, scale: 2 } } },
];
const dataset = (name: string, mergeKind: string, vocab = ['offset', 'op']): QueryableDataset => ({ name, mergeKind, primaryKey: ['key'], columns: [...vocab, 'system_time', 'event_time', 'key', 'value', 'price'], suggestedSql: '' });

describe('dataset views', () => {
  it('Snapshot/Upsert: the plain name is the current state (latest row per key, retracted keys gone)', async () => {
    const rows = await query([...rawSlices('s'), ...datasetViewsSql(dataset('s', 'Snapshot'), fields)], 'SELECT key, value FROM s ORDER BY key');
    expect(rows).toEqual([['k1', 11], ['k3', 30]]);
  });

  it('Snapshot/Upsert with system columns renamed by SetVocab', async () => {
    const renamed = rawSlices('v').map((sql) => sql.replace('AS t("offset", op, key', 'AS t(pos, kind, key'));
    const rows = await query([...renamed, ...datasetViewsSql(dataset('v', 'UpsertStream', ['pos', 'kind']), fields)], 'SELECT key, value FROM v ORDER BY key');
    expect(rows).toEqual([['k1', 11], ['k3', 30]]);
  });

  it('Append/Ledger: the plain name is every row', async () => {
    const rows = await query([...rawSlices('l'), ...datasetViewsSql(dataset('l', 'Ledger'), fields)], 'SELECT count(*)::INTEGER FROM l');
    expect(rows).toEqual([[6]]);
  });

  it('__changelog has every row, and decimals (sent as text) typed back as DECIMAL', async () => {
    const setup = [...rawSlices('d'), ...datasetViewsSql(dataset('d', 'Snapshot'), fields)];
    expect(await query(setup, `SELECT count(*)::INTEGER, typeof(any_value(price)) FROM "d__changelog"`)).toEqual([[6, 'DECIMAL(10,2)']]);
    expect(await query(setup, `SELECT sum(price)::VARCHAR FROM "d__changelog"`)).toEqual([['1.50']]);
  });
});
