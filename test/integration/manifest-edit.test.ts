import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { updateDatasetManifest } from '../../lib/datasets/update-dataset-manifest';
import { verifyDataset } from '../../lib/datasets/verify-dataset';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { useBrokerAndStore } from '../support/broker-and-store';
import { mqttManifest } from '../support/manifests';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from '../support/pull-timing';

const env = useBrokerAndStore();

describe('[MANIFEST] editing a dataset appends events to its chain', () => {
  it('appends only the changed SetPollingSource, keeps the data, and the next pull uses the new topics', async () => {
    const manifest = (topics: string[]) => mqttManifest({ name: 'edited', port: env.broker.port, topics: topics.map((path) => ({ path, qos: 'AtLeastOnce' })) });
    await addDataset({ store: env.store, manifest: manifest(['edited/a']) });
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey('edited'), options: { idleTimeoutMs: TEST_IDLE_MS } });

    expect(await updateDatasetManifest({ store: env.store, dataset: defaultWorkspaceKey('edited'), manifest: manifest(['edited/a']) })).toEqual({ appended: [] });
    expect(await updateDatasetManifest({ store: env.store, dataset: defaultWorkspaceKey('edited'), manifest: manifest(['edited/a', 'edited/b']) })).toEqual({ appended: ['SetPollingSource'] });

    const d = (await env.store.datasets.find(defaultWorkspaceKey('edited')))!;
    const kinds = (await env.store.datasets.blocks(d.id)).map((b) => b.event.kind);
    expect(kinds).toEqual(['Seed', 'SetPollingSource', 'SetPollingSource']);

    const c = await mqtt.connectAsync(env.broker.url);
    await c.publishAsync('edited/b', JSON.stringify({ event_time: '2026-01-01T00:00:00Z', device: 'b', value: 1 }), { qos: 1 });
    await c.endAsync();
    // The new filter is subscribed on this pull; the message above was published before it: publish again.
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey('edited'), options: { idleTimeoutMs: TEST_IDLE_MS } });
    const c2 = await mqtt.connectAsync(env.broker.url);
    await c2.publishAsync('edited/b', JSON.stringify({ event_time: '2026-01-01T00:00:01Z', device: 'b', value: 2 }), { qos: 1 });
    await c2.endAsync();
    const r = await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey('edited'), options: { idleTimeoutMs: TEST_IDLE_MS } });
    expect(r.rowsCommitted).toBe(1);
    expect((await verifyDataset(env.store, defaultWorkspaceKey('edited'))).problems).toEqual([]);
  });

  it('refuses a rename, a merge key missing from the schema and an invalid topic filter, storing nothing', async () => {
    const base = { name: 'guarded', port: env.broker.port, topics: [{ path: 'guarded/#', qos: 'AtLeastOnce' as const }] };
    await addDataset({ store: env.store, manifest: mqttManifest(base) });
    const before = (await env.store.datasets.find(defaultWorkspaceKey('guarded')))!.headHash;
    const update = (manifest: string) => updateDatasetManifest({ store: env.store, dataset: defaultWorkspaceKey('guarded'), manifest });

    await expect(update(mqttManifest({ ...base, name: 'renamed' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(update(mqttManifest({ ...base, merge: '        kind: Ledger\n        primaryKey: [nope]' }))).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringContaining('nope') });
    await expect(update(mqttManifest({ ...base, topics: [{ path: 'a/#/b' }] }))).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    expect((await env.store.datasets.find(defaultWorkspaceKey('guarded')))!.headHash).toBe(before);
  });
});
