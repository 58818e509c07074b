import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { committedRows } from '../support/committed-rows';
import { mqttManifest } from '../support/manifests';
import { useBrokerAndStore } from '../support/broker-and-store';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from '../support/pull-timing';

const env = useBrokerAndStore();

async function publish(topic: string, payloads: (string | Buffer)[], opts: { qos?: 0 | 1 | 2; retain?: boolean } = {}) {
  const c = await mqtt.connectAsync(env.broker.url);
  for (const p of payloads) await c.publishAsync(topic, p, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  await c.endAsync();
}

const reading = (i: number, device = 'd1') => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), device, value: i });

describe('[PULL] a persistent session delivers the backlog', () => {
  it('collects messages published while Sluice was offline, exactly once', async () => {
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'backlog', port: env.broker.port, topics: [{ path: 'backlog/#', qos: 'AtLeastOnce' }] }) });
    const first = await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey('backlog'), options: { idleTimeoutMs: TEST_IDLE_MS } });
    expect(first.status).toBe('up_to_date');

    await publish('backlog/a', Array.from({ length: 50 }, (_, i) => reading(i)));
    const second = await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey('backlog'), options: { idleTimeoutMs: TEST_IDLE_MS } });
    expect(second).toMatchObject({ status: 'updated', messagesReceived: 50, rowsCommitted: 50, quarantined: 0, hasMore: false });

    const third = await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey('backlog'), options: { idleTimeoutMs: TEST_IDLE_MS } });
    expect(third).toMatchObject({ status: 'up_to_date', messagesReceived: 0 });

    const ds = (await env.store.datasets.find(defaultWorkspaceKey('backlog')))!;
    const rows = await committedRows(env.store, 'backlog');
    expect(rows.map((r) => Number(r.offset))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(rows.map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const kinds = (await env.store.datasets.blocks(ds.id)).map((b) => b.event.kind);
    expect(kinds).toEqual(['Seed', 'SetPollingSource', 'SetDataSchema', 'AddData']);
  });
});

describe('[PULL] one slice and one AddData block per pull', () => {
  async function pullOf(name: string, protocolVersion: 4 | 5, batchSize?: number) {
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS, protocolVersion } });
    await publish(`${name}/a`, Array.from({ length: 100 }, (_, i) => reading(i)));
    const r = await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS, protocolVersion, ...(batchSize ? { batchSize } : {}) } });
    expect(r).toMatchObject({ rowsCommitted: 100, slices: 1 });
    const ds = (await env.store.datasets.find(defaultWorkspaceKey(name)))!;
    expect((await env.store.datasets.blocks(ds.id)).filter((b) => b.event.kind === 'AddData')).toHaveLength(1);
    expect((await committedRows(env.store, name)).map((row) => row.value)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await env.store.ingest.loadStagedRows(ds.num)).toEqual([]);
  }

  it('MQTT 5: the whole pull is one slice (the session allows the record cap in flight)', async () => {
    await pullOf('v5slices', 5);
  });

  it('MQTT 5: a backlog larger than the batch size is staged in batches while it arrives, and published as one slice', async () => {
    await pullOf('v5batches', 5, 30);
  });

  it("MQTT 3.1.1: each of Mosquitto's 20-message in-flight windows is staged before it is acknowledged, and the pull publishes one slice", async () => {
    await pullOf('v311slices', 4);
  });
});

describe('[PULL] a pull holds at most its byte cap of payloads', () => {
  it('stops taking messages past byteCap, says it has more, and the next pulls take the rest: nothing lost, none twice', async () => {
    const name = 'bytecap';
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
    const pull = () => runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS, byteCap: 10 * 1024 } });
    await pull();
    // 30 readings of ~1 KB: the cap is reached after 10 of them.
    const padded = (i: number) => JSON.stringify({ ...JSON.parse(reading(i)), pad: 'x'.repeat(1000) });
    await publish(`${name}/a`, Array.from({ length: 30 }, (_, i) => padded(i)));
    const first = await pull();
    expect(first).toMatchObject({ status: 'updated', hasMore: true });
    expect(first.messagesReceived).toBeLessThan(30);
    let pulls = 1;
    for (let r = first; r.hasMore; pulls++) r = await pull();
    expect(pulls).toBeGreaterThanOrEqual(3);
    expect((await committedRows(env.store, name)).map((row) => row.value)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});

describe('[PULL] topics count toward the byte cap too', () => {
  it('small payloads on 2,000-character topics (a topic may have 65,535) reach the cap as their bytes would', async () => {
    const name = 'bytecaptopics';
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
    const pull = () => runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS, byteCap: 10 * 1024 } });
    await pull();
    // 30 readings of ~100 bytes (3 KB of payloads) on a topic of 2,000 characters: 60 KB in all.
    await publish(`${name}/${'x'.repeat(2000)}`, Array.from({ length: 30 }, (_, i) => reading(i)));
    const first = await pull();
    expect(first).toMatchObject({ status: 'updated', hasMore: true });
    expect(first.messagesReceived).toBeLessThan(30);
    for (let r = first; r.hasMore; ) r = await pull();
    expect((await committedRows(env.store, name)).map((row) => row.value)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});

describe('[PULL] a Ledger keyed without its event time first (seen keys in hash order) recognises every key it has seen', () => {
  it('the same 2,000 readings published again add no row', async () => {
    const name = 'hashledger';
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }], merge: '        kind: Ledger\n        primaryKey: [device, value]' }) });
    const pull = () => runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS } });
    await pull();
    const readings = Array.from({ length: 2000 }, (_, i) => reading(i, `d${i % 7}`));
    await publish(`${name}/a`, readings);
    expect(await pull()).toMatchObject({ rowsCommitted: 2000 });
    // Hash-order positions span 48 bits, so the buckets' lowest positions have 12 to 15 digits.
    await publish(`${name}/a`, readings);
    expect(await pull()).toMatchObject({ messagesReceived: 2000, rowsCommitted: 0 });
  });
});
