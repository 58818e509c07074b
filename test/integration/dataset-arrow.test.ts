import zlib from 'node:zlib';
import mqtt from 'mqtt';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { isSluiceError } from '../../lib/errors';
import { datasetSliceIndex, sliceRangeArrowZlib } from '../../lib/query/dataset-arrow';
import { useBrokerAndStore } from '../support/broker-and-store';
import { mqttManifest } from '../support/manifests';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from '../support/pull-timing';
import { committedLayout } from '../../lib/datasets/dataset-layout';
import { getDatasetRowsPage } from '../../lib/datasets/dataset-rows-page';
import { arrowSchemaKey, sliceArrowSegment } from '../../lib/ingest/slice-arrow';
import { queryableDataset } from '../../lib/query/dataset-views';
import { openingResult } from '../../lib/query/opening-result';
import { startOpeningEngine } from '../../lib/query/opening-engine';

const env = useBrokerAndStore();

/** Pulls `count` readings into `name` as one more slice. */
async function pullReadings(name: string, start: number, count: number) {
  const c = await mqtt.connectAsync(env.broker.url);
  for (let i = start; i < start + count; i++) {
    await c.publishAsync(`${name}/d`, JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), device: 'd', value: i }), { qos: 1 });
  }
  await c.endAsync();
  const r = await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS, protocolVersion: 5 } });
  expect(r.slices).toBe(1);
}

const values = (zlibStream: Uint8Array) => [...tableFromIPC(zlib.inflateSync(zlibStream)).getChild('value')!.toArray()];

describe('[QUERY] committed slices served as Arrow', () => {
  it('joins stored slices into one stream, lists only the slices after an offset, and refuses partial or stale ranges', async () => {
    const name = 'arrowserve';
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS } });
    await pullReadings(name, 0, 3);
    await pullReadings(name, 3, 2);

    const index = await datasetSliceIndex(env.store, defaultWorkspaceKey(name));
    expect(index.slices.map((s) => [s.offsetStart, s.offsetEnd])).toEqual([[0, 2], [3, 4]]);
    expect((await datasetSliceIndex(env.store, defaultWorkspaceKey(name), 2n)).slices.map((s) => s.offsetStart)).toEqual([3]);
    const pin = { datasetId: index.datasetId, schemaKey: index.schemaKey! };
    expect(values(await sliceRangeArrowZlib(env.store, defaultWorkspaceKey(name), { from: 0n, to: 4n }, pin))).toEqual([0, 1, 2, 3, 4]);
    expect(values(await sliceRangeArrowZlib(env.store, defaultWorkspaceKey(name), { from: 3n, to: 4n }, pin))).toEqual([3, 4]);

    const refused = (range: { from: bigint; to: bigint }, expect_ = pin) => sliceRangeArrowZlib(env.store, defaultWorkspaceKey(name), range, expect_).then(() => 'served', (e: unknown) => (isSluiceError(e) ? e.code : String(e)));
    // A range may start inside a slice (a page's loaded rows end there after a compaction merged
    // slices across them), never end inside one.
    expect(values(await sliceRangeArrowZlib(env.store, defaultWorkspaceKey(name), { from: 1n, to: 4n }, pin))).toEqual([1, 2, 3, 4]);
    expect(await refused({ from: 0n, to: 3n })).toBe('SLICE_NOT_FOUND'); // not a slice boundary
    expect(await refused({ from: 0n, to: 9n })).toBe('SLICE_NOT_FOUND'); // past the head
    expect(await refused({ from: 0n, to: 4n }, { ...pin, schemaKey: 'other' })).toBe('DATASET_CHANGED');
  });

  it("pages the Data tab's rows newest first, taking any page number a URL gives to a whole page in range", async () => {
    const name = 'rowspages';
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS } });
    await pullReadings(name, 0, 5);
    const page = async (p: number) => {
      const r = await getDatasetRowsPage(env.store, defaultWorkspaceKey(name), p, 2);
      return { page: r.page, offsets: r.rows.map((row) => Number(row[0])) };
    };
    expect(await page(0)).toEqual({ page: 0, offsets: [4, 3] });
    expect(await page(1)).toEqual({ page: 1, offsets: [2, 1] });
    expect(await page(2)).toEqual({ page: 2, offsets: [0] });
    // ?page=0.5 shifted the page by a row; ?page=0.01 was a server error (a fractional BigInt).
    expect(await page(0.5)).toEqual(await page(0));
    expect(await page(0.01)).toEqual(await page(0));
    expect(await page(1.9)).toEqual(await page(1));
    expect(await page(Number.NaN)).toEqual(await page(0));
    expect(await page(-3)).toEqual(await page(0));
    expect(await page(1e30)).toEqual(await page(2));
  });

  it('serves a slice stored in an older layout (before a column was appended) in the current one, and keeps that encoding', async () => {
    const name = 'arrowolder';
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS } });
    await pullReadings(name, 0, 4);
    const index = await datasetSliceIndex(env.store, defaultWorkspaceKey(name));
    const ds = (await env.store.datasets.find(defaultWorkspaceKey(name)))!;
    // As a slice committed while the dataset had only its first data column (device, not value).
    const layout = committedLayout(ds)!;
    const older = { ...layout, dataFields: layout.dataFields.slice(0, 1) };
    const rows = (await env.store.datasets.rowsInRange(ds.num, 0n, 4n)).map((r) => ({ ...r, data: r.data.slice(0, 1) }));
    await env.store.datasets.saveSliceArrow(ds.id, 0n, sliceArrowSegment(rows, older), arrowSchemaKey(older));
    const pin = { datasetId: index.datasetId, schemaKey: index.schemaKey! };
    const served = tableFromIPC(zlib.inflateSync(await sliceRangeArrowZlib(env.store, defaultWorkspaceKey(name), { from: 0n, to: 3n }, pin)));
    expect([...served.getChild('device')!]).toEqual(['d', 'd', 'd', 'd']);
    expect([...served.getChild('value')!]).toEqual([null, null, null, null]);
    const [kept] = await env.store.datasets.sliceArrows(index.datasetId, 0n, 3n);
    expect(kept.schemaKey).toBe(index.schemaKey);
  });

  it("computes a dataset's opening query on the server, with nothing left in the engine for the next page", async () => {
    const name = 'arrowopening';
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS } });
    await pullReadings(name, 0, 3);
    const q = queryableDataset((await env.store.datasets.find(defaultWorkspaceKey(name)))!);
    expect(await openingResult(env.store, defaultWorkspaceKey(name), q)).toBeUndefined(); // no engine in this process yet
    const engine = await startOpeningEngine();
    for (let i = 0; i < 2; i++) {
      const result = tableFromIPC((await openingResult(env.store, defaultWorkspaceKey(name), q))!);
      expect(result.schema.fields.map((f) => f.name)).toEqual(['event_time', 'device', 'value']);
      expect([...result.getChild('value')!]).toEqual([0, 1, 2]);
    }
    const conn = engine.connect();
    expect(conn.query("SELECT count(*)::INT AS n FROM duckdb_tables() WHERE NOT internal").getChild('n')!.get(0)).toBe(0);
    conn.close();
    // A result is kept for reloads only while the head is the same: a commit gives the new rows.
    await pullReadings(name, 3, 2);
    const after = tableFromIPC((await openingResult(env.store, defaultWorkspaceKey(name), q))!);
    expect([...after.getChild('value')!]).toEqual([0, 1, 2, 3, 4]);
  });
});
