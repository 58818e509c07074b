import type { AsyncDuckDB, AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { tableToIPC, type Table } from 'apache-arrow';
import { spreadsheetSafeSql, spreadsheetSafeText } from '../../data/csv-safe';

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

/** Types whose CSV text is a number, a time or a boolean: written as DuckDB writes them. */
const PLAIN_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL|BOOLEAN|DATE|TIME|TIMESTAMP|INTERVAL)\b/;

/**
 * Every column of `table`, spreadsheet-safe: any column that is not a number, time or boolean
 * (VARCHAR, but also BLOB, ENUM, lists, … a query may cast to) as text with the rule applied, and
 * every column name too (names come from SQL aliases a shared query chose).
 */
async function spreadsheetSafeSelect(conn: AsyncDuckDBConnection, table: string): Promise<string> {
  const columns = (await conn.query(`DESCRIBE ${table}`)).toArray() as { column_name: string; column_type: string }[];
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const select = columns.map((c) => {
    const value = PLAIN_TYPES.test(c.column_type) ? quote(c.column_name) : spreadsheetSafeSql(`CAST(${quote(c.column_name)} AS VARCHAR)`);
    return `${value} AS ${quote(spreadsheetSafeText(c.column_name))}`;
  });
  return `SELECT ${select.join(', ')} FROM ${table}`;
}
