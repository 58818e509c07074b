import type { AsyncDuckDB } from '@duckdb/duckdb-wasm';
import { tableToIPC, type Table } from 'apache-arrow';

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
 * not stall the page), from the very rows shown rather than by running the query again.
 */
export async function resultToCsv(db: AsyncDuckDB, table: Table): Promise<Blob> {
  const conn = await db.connect();
  const file = `result-${crypto.randomUUID()}.csv`;
  try {
    await conn.query('CREATE SCHEMA IF NOT EXISTS sluice_export; DROP TABLE IF EXISTS sluice_export.result');
    await conn.insertArrowFromIPCStream(tableToIPC(table, 'stream'), { schema: 'sluice_export', name: 'result', create: true });
    await conn.query(`COPY sluice_export.result TO '${file}' (HEADER, DELIMITER ',')`);
    const bytes = await db.copyFileToBuffer(file);
    return new Blob([bytes.slice()], { type: 'text/csv' });
  } finally {
    await conn.query('DROP TABLE IF EXISTS sluice_export.result').catch(() => undefined);
    await db.dropFile(file).catch(() => undefined);
    await conn.close();
  }
}
