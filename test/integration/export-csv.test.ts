import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { exportDataset, type ExportOptions } from '../../lib/datasets/export-dataset';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { useBrokerAndStore } from '../support/broker-and-store';
import { mqttManifest } from '../support/manifests';
import { TEST_IDLE_MS } from '../support/pull-timing';
import { FORMULA_READINGS } from '../support/formula-readings';

const env = useBrokerAndStore();

// Text a spreadsheet would run as a formula, beside numbers that start with `-` and must stay numbers.
const READINGS = FORMULA_READINGS;

async function textExport(name: string, format: 'csv' | 'ndjson', options?: ExportOptions): Promise<string> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await exportDataset(env.store, defaultWorkspaceKey(name), format, sink, options);
  return text;
}

const csvExport = (name: string, options?: ExportOptions) => textExport(name, 'csv', options);

/** The columns (name and DuckDB type) and row count of a dataset's Parquet export. */
async function parquetExport(name: string): Promise<{ columns: string[]; rows: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-export-test-'));
  try {
    const file = path.join(dir, 'x.parquet');
    await exportDataset(env.store, defaultWorkspaceKey(name), 'parquet', file);
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects();
    const count = (await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}')`)).getRowObjects()[0].n as number;
    conn.closeSync();
    return { columns: described.map((c) => `${String(c.column_name)} ${String(c.column_type)}`), rows: count };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('[EXPORT] CSV for pipelines and for spreadsheets', () => {
  it('writes values byte for byte by default (the CLI), and neutralises formula-like text for the console', async () => {
    const name = 'csvinjection';
    const manifest = mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }], merge: '        kind: Append' });
    await addDataset({ store: env.store, manifest });
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS } });
    const device = await mqtt.connectAsync(env.broker.url);
    for (const [i, [text, value]] of READINGS.entries()) {
      await device.publishAsync(`${name}/d`, JSON.stringify({ event_time: `2026-01-01T00:00:0${i}Z`, device: text, value }), { qos: 1 });
    }
    await device.endAsync();
    const pulled = await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS } });
    expect(pulled.rowsCommitted).toBe(READINGS.length);

    const plain = await csvExport(name);
    const dataCells = (csv: string) => (parse(csv) as string[][]).slice(1).map((record) => record.slice(4));
    expect(dataCells(plain)).toEqual(READINGS.map(([text, value]) => [text, String(value)]));
    // Quoted by CSV rules only: the formula is written as it was received.
    expect(plain).toContain(',"=HYPERLINK(""http://x"")",-3.5\n');
    expect(await csvExport(name, { spreadsheetSafe: false })).toBe(plain);

    const safe = await csvExport(name, { spreadsheetSafe: true });
    expect(dataCells(safe)).toEqual(READINGS.map(([text, value]) => [/^[=+\-@\t\r]/.test(text) ? `'${text}` : text, String(value)]));
    expect(safe).toContain(`,"'=HYPERLINK(""http://x"")",-3.5\n`);
    // Only the text cells differ: header and system columns are the same bytes.
    const firstColumns = (csv: string) => csv.split('\n').map((line) => line.split(',').slice(0, 4).join(','));
    expect(firstColumns(safe)).toEqual(firstColumns(plain));
  });
});

describe('[EXPORT] a dataset with no data yet', () => {
  it('names the columns its first commit will have: the declared read schema, or the system columns while the schema is to be inferred', async () => {
    const declared = 'emptydeclared';
    await addDataset({ store: env.store, manifest: mqttManifest({ name: declared, port: env.broker.port, topics: [{ path: `${declared}/#` }] }) });
    // An empty CSV was empty (no header) and the Parquet file had the one column `offset`.
    expect(await csvExport(declared)).toBe('offset,op,system_time,event_time,device,value\n');
    expect(await textExport(declared, 'ndjson')).toBe('');
    expect(await parquetExport(declared)).toEqual({
      columns: ['offset BIGINT', 'op INTEGER', 'system_time TIMESTAMP WITH TIME ZONE', 'event_time TIMESTAMP WITH TIME ZONE', 'device VARCHAR', 'value DOUBLE'],
      rows: 0,
    });

    const inferred = 'emptyinferred';
    await addDataset({ store: env.store, manifest: mqttManifest({ name: inferred, port: env.broker.port, topics: [{ path: `${inferred}/#` }], fields: null }) });
    expect(await csvExport(inferred)).toBe('offset,op,system_time,event_time\n');
    expect((await parquetExport(inferred)).columns).toEqual(['offset BIGINT', 'op INTEGER', 'system_time TIMESTAMP WITH TIME ZONE', 'event_time TIMESTAMP WITH TIME ZONE']);

    // A preprocess step (which Sluice does not run) decides the output's columns: the read schema's are not named.
    const preprocessed = 'emptypreprocessed';
    const withPreprocess = mqttManifest({ name: preprocessed, port: env.broker.port, topics: [{ path: `${preprocessed}/#` }] }).replace(
      '      merge:\n',
      '      preprocess:\n        kind: Sql\n        engine: datafusion\n        query: SELECT event_time, upper(device) AS shouted FROM input\n      merge:\n',
    );
    await addDataset({ store: env.store, manifest: withPreprocess });
    expect(await csvExport(preprocessed)).toBe('offset,op,system_time,event_time\n');

    // A decimal wider than DuckDB's 38 digits is written as its exact text (DuckDB refused to write the file).
    const wide = 'emptywidedecimal';
    const amount = '            - name: amount\n              type:\n                kind: Decimal\n                precision: 50\n                scale: 2';
    await addDataset({ store: env.store, manifest: mqttManifest({ name: wide, port: env.broker.port, topics: [{ path: `${wide}/#` }], fields: amount, merge: '        kind: Append' }) });
    expect((await parquetExport(wide)).columns.at(-1)).toBe('amount VARCHAR');

    // Names that differ only in case are one column to DuckDB: a clear refusal, not its binder error.
    const cased = 'emptycased';
    const fields = '            - name: Value\n              type:\n                kind: Float64\n            - name: value\n              type:\n                kind: Float64';
    await addDataset({ store: env.store, manifest: mqttManifest({ name: cased, port: env.broker.port, topics: [{ path: `${cased}/#` }], fields, merge: '        kind: Append' }) });
    await expect(parquetExport(cased)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: `cannot write Parquet: the columns "Value" and "value" differ only in case, which DuckDB's Parquet writer takes as one column; export CSV or NDJSON instead`,
    });
    expect(await csvExport(cased)).toBe('offset,op,system_time,event_time,Value,value\n');
  });
});
