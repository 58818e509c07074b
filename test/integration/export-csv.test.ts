import { Writable } from 'node:stream';
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

async function csvExport(name: string, options?: ExportOptions): Promise<string> {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await exportDataset(env.store, defaultWorkspaceKey(name), 'csv', sink, options);
  return text;
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
