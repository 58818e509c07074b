import type { AsyncDuckDB, AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { tableToIPC, type Table } from 'apache-arrow';
import { spreadsheetSafeSql } from '../../data/csv-safe';

type ParquetWasm = typeof import('parquet-wasm/esm');
let parquet: Promise<ParquetWasm> | undefined;

/** parquet-wasm, loaded on the first Parquet download from the app's own wasm asset. */
function loadParquet(): Promise<ParquetWasm> {
  parquet ??= import('parquet-wasm/esm').then(async (m) => {
    await m.default({ module_or_path: new URL('parquet-wasm/esm/parquet_wasm_bg.wasm', import.meta.url) });
    return m;
  });
  parquet.catch(() => (parquet = undefined));
  return parquet;
}

/** A query result as a Parquet file (Snappy), written in the browser from its Arrow data. */
export async function resultToParquet(table: Table): Promise<Blob> {
  const m = await loadParquet();
  const props = new m.WriterPropertiesBuilder().setCompression(m.Compression.SNAPPY).build();
  const bytes = m.writeParquet(m.Table.fromIPCStream(tableToIPC(table, 'stream')), props);
  return new Blob([bytes.slice()], { type: 'application/vnd.apache.parquet' });
}

/**
 * A query result as CSV with a header row, written by DuckDB in its worker (so a million rows do
 * not stall the page), from the very rows shown rather than by running the query again. Its VARCHAR
 * columns are spreadsheet-safe (`lib/data/csv-safe.ts`): the rule runs as SQL in the same COPY, so the
 * writing stays in the worker and every other cell is exactly as DuckDB writes it.
 */
export async function resultToCsv(db: AsyncDuckDB, table: Table): Promise<Blob> {
  const conn = await db.connect();
  const file = `result-${crypto.randomUUID()}.csv`;
  try {
    await conn.query('CREATE SCHEMA IF NOT EXISTS sluice_export; DROP TABLE IF EXISTS sluice_export.result');
    await conn.insertArrowFromIPCStream(tableToIPC(table, 'stream'), { schema: 'sluice_export', name: 'result', create: true });
    await conn.query(`COPY (${await spreadsheetSafeSelect(conn, 'sluice_export.result')}) TO '${file}' (HEADER, DELIMITER ',')`);
    const bytes = await db.copyFileToBuffer(file);
    return new Blob([bytes.slice()], { type: 'text/csv' });
  } finally {
    await conn.query('DROP TABLE IF EXISTS sluice_export.result').catch(() => undefined);
    await db.dropFile(file).catch(() => undefined);
    await conn.close();
  }
}

/** `SELECT *` from `table`, its text (VARCHAR) columns made spreadsheet-safe in place; other types untouched. */
async function spreadsheetSafeSelect(conn: AsyncDuckDBConnection, table: string): Promise<string> {
  const columns = (await conn.query(`DESCRIBE ${table}`)).toArray() as { column_name: string; column_type: string }[];
  const text = columns.filter((c) => c.column_type === 'VARCHAR').map((c) => `"${c.column_name.replaceAll('"', '""')}"`);
  if (text.length === 0) return `SELECT * FROM ${table}`;
  return `SELECT * REPLACE (${text.map((id) => `${spreadsheetSafeSql(id)} AS ${id}`).join(', ')}) FROM ${table}`;
}
