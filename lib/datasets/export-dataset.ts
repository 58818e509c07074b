import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import { formatCell } from '../data/cell-codec';
import { spreadsheetSafeText } from '../data/csv-safe';
import { unwrapOption, type DataSchema, type DataType } from '../odf/data-type';
import { encodeSliceLine, formatEventTime, storedToSliceRow, type SliceRow } from '../ingest/slice-encoding';
import { layoutFromReadSchema, type SliceLayout } from '../ingest/slice-layout';
import type { Store } from '../store/open-store';
import { isSluiceError, SluiceError } from '../errors';
import { DdlSchemaError } from '../odf/errors';
import { effectiveVocab } from '../odf/mqtt-source';
import type { DatasetSnapshot } from '../odf/manifest-schema';
import { ingestedReadSchema } from '../ingest/mqtt-source-config';
import { committedLayout, getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';

export type ExportFormat = 'ndjson' | 'csv' | 'parquet';

export interface ExportOptions {
  /**
   * CSV only: text cells a spreadsheet would run as a formula get a `'` in front (`lib/data/csv-safe.ts`), for
   * the console's downloads. Off by default, so `sluice export` writes the values byte for byte.
   */
  spreadsheetSafe?: boolean;
}

/**
 * Writes a dataset's committed rows, system columns first (offset, op, system_time, event_time),
 * timestamps RFC 3339 UTC, `op` as its integer code. NDJSON is the exact encoding slice hashes cover.
 */
export async function exportDataset(
  store: Store,
  dataset: DatasetKey,
  format: ExportFormat,
  out: Writable | string,
  options: ExportOptions = {},
): Promise<number> {
  const ds = await getDatasetOrThrow(store.datasets, dataset);
  // Before any data, the columns the first commit will have: an empty export still says its columns.
  const layout = expectedLayout(ds);
  if (format === 'parquet') {
    if (typeof out !== 'string') throw new Error('parquet export needs an output file');
    return exportParquet(store, ds.num, layout, out);
  }
  let count = 0;
  async function* text() {
    // Column names come from manifests and device payloads too: the header is made safe like the text cells.
    if (format === 'csv') yield stringify([options.spreadsheetSafe ? columnNames(layout).map(spreadsheetSafeText) : columnNames(layout)]);
    const safeColumns = options.spreadsheetSafe ? textColumns(layout) : undefined;
    for await (const batch of store.ingest.readRows(ds.num)) {
      const rows = batch.map((r) => storedToSliceRow(r, layout));
      yield format === 'ndjson' ? rows.map((r) => encodeSliceLine(r, layout)).join('') : stringify(rows.map((r) => csvRecord(r, layout, safeColumns)));
      count += rows.length;
    }
  }
  await writeText(text(), out);
  return count;
}

/**
 * The columns a dataset has or will have: the committed layout; before the first data commit, the
 * one that commit will set, as far as it is known: the read schema the source Sluice ingests
 * declares (it runs no preprocess step, so that is the output's), else the one a first pull
 * inferred and staged; else the system columns alone (a schema still to be inferred, or a source
 * Sluice does not ingest). For readers that must name columns before there are rows: an empty
 * export's CSV header and Parquet schema.
 */
function expectedLayout(d: { snapshot: DatasetSnapshot; dataSchema: DataSchema | null; inferredReadSchema?: DataSchema | null }): SliceLayout {
  const committed = committedLayout(d);
  if (committed) return committed;
  const vocab = effectiveVocab(d.snapshot.metadata);
  try {
    const schema = ingestedReadSchema(d.snapshot) ?? d.inferredReadSchema;
    if (schema?.fields.length) return layoutFromReadSchema(schema, vocab);
  } catch (err) {
    // A read schema a pull would refuse (checked when the dataset was added): no data can follow it.
    if (!isSluiceError(err) && !(err instanceof DdlSchemaError)) throw err;
  }
  return layoutFromReadSchema({ fields: [] }, vocab);
}

/**
 * Writes `chunks` to a file (created, then ended) or a caller's stream (left open), through a
 * pipeline: the output's errors (a missing directory, a reader that went away) reject here instead
 * of reaching no listener, and the reading waits while the output is behind.
 */
async function writeText(chunks: AsyncIterable<string>, out: Writable | string): Promise<void> {
  if (typeof out !== 'string') return pipeline(Readable.from(chunks), out, { end: false });
  await pipeline(Readable.from(chunks), fs.createWriteStream(out)).catch((err: unknown) => Promise.reject(outputError(out, err)));
}

/** A file the export cannot write, said in a line (the store's own errors pass as they are). */
function outputError(file: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && (err as NodeJS.ErrnoException).path === file
    ? new SluiceError('INVALID_INPUT', `cannot write ${file}: ${(err as Error).message.replace(/^[A-Z]+: /, '').replace(/, open '.*'$/, '')}`)
    : err;
}

function columnNames(layout: SliceLayout): string[] {
  const v = layout.vocab;
  return [v.offsetColumn, v.operationTypeColumn, v.systemTimeColumn, v.eventTimeColumn, ...layout.dataFields.map((f) => f.name)];
}

/** Which data columns hold text (String, optional or not): the cells `spreadsheetSafe` may change. */
function textColumns(layout: SliceLayout): boolean[] {
  return layout.dataFields.map((f) => unwrapOption(f.type).kind === 'String');
}

/** One CSV record; with `safeColumns`, the text cells of those columns are made spreadsheet-safe. */
function csvRecord(r: SliceRow, layout: SliceLayout, safeColumns?: boolean[]): string[] {
  return [
    r.offset.toString(),
    String(r.op),
    r.systemTime.toISOString(),
    formatEventTime(r.eventTime, layout),
    ...layout.dataFields.map((f, i) => {
      const text = formatCell(f.type, r.data[f.name] ?? null);
      return safeColumns?.[i] ? spreadsheetSafeText(text) : text;
    }),
  ];
}

/** Parquet is written by DuckDB (its parquet writer is built into @duckdb/node-api; nothing is downloaded). */
async function exportParquet(store: Store, datasetNum: number, layout: SliceLayout, file: string): Promise<number> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-export-'));
  try {
    const csv = path.join(dir, 'rows.csv');
    assertParquetColumnNames(layout);
    const count = await exportCsvFile(store, datasetNum, layout, csv);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const cols = Object.entries(duckColumns(layout)).map(([k, t]) => `${quoteSql(k)}: ${quoteSql(t)}`).join(', ');
    await conn.run(
      `COPY (SELECT * FROM read_csv(${quoteSql(csv)}, header = true, columns = {${cols}}, nullstr = '\\N', quote = '"', escape = '"'))
       TO ${quoteSql(file)} (FORMAT parquet, COMPRESSION snappy)`,
    );
    conn.closeSync();
    return count;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function exportCsvFile(store: Store, datasetNum: number, layout: SliceLayout, file: string): Promise<number> {
  let count = 0;
  async function* text() {
    yield stringify([columnNames(layout)]);
    for await (const batch of store.ingest.readRows(datasetNum)) {
      const records = batch.map((r) => {
        const row = storedToSliceRow(r, layout);
        // Parquet keeps nulls apart from empty strings, so they get an explicit marker here.
        return csvRecord(row, layout).map((v, i) => (i >= 4 && row.data[layout.dataFields[i - 4].name] === null ? '\\N' : v));
      });
      yield stringify(records);
      count += records.length;
    }
  }
  await writeText(text(), file);
  return count;
}

/** DuckDB's names are case-insensitive: two columns that differ only in case would be one (it refused to write the file). */
function assertParquetColumnNames(layout: SliceLayout): void {
  const seen = new Map<string, string>();
  for (const name of columnNames(layout)) {
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) {
      throw new SluiceError('INVALID_INPUT', `cannot write Parquet: the columns "${other}" and "${name}" differ only in case, which DuckDB's Parquet writer takes as one column; export CSV or NDJSON instead`);
    }
    seen.set(name.toLowerCase(), name);
  }
}

function duckColumns(layout: SliceLayout): Record<string, string> {
  const v = layout.vocab;
  return {
    [v.offsetColumn]: 'BIGINT',
    [v.operationTypeColumn]: 'INTEGER',
    [v.systemTimeColumn]: 'TIMESTAMPTZ',
    [v.eventTimeColumn]: layout.eventTimeType.kind === 'Date' ? 'DATE' : 'TIMESTAMPTZ',
    ...Object.fromEntries(layout.dataFields.map((f) => [f.name, duckType(f.type)])),
  };
}

const DUCK_TYPES: Partial<Record<DataType['kind'], string>> = {
  Bool: 'BOOLEAN', Int8: 'TINYINT', Int16: 'SMALLINT', Int32: 'INTEGER', Int64: 'BIGINT',
  UInt8: 'UTINYINT', UInt16: 'USMALLINT', UInt32: 'UINTEGER', UInt64: 'UBIGINT',
  Float16: 'FLOAT', Float32: 'FLOAT', Float64: 'DOUBLE', String: 'VARCHAR', Date: 'DATE', Timestamp: 'TIMESTAMPTZ',
};

function duckType(type: DataType): string {
  if (type.kind === 'Option') return duckType(type.inner);
  // DuckDB's decimals hold 1–38 digits and a scale within them; wider ones stay exact text, as in the query views.
  if (type.kind === 'Decimal') return type.precision <= 38 && type.scale >= 0 && type.scale <= type.precision ? `DECIMAL(${type.precision}, ${type.scale})` : 'VARCHAR';
  return DUCK_TYPES[type.kind] ?? 'VARCHAR';
}

function quoteSql(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
