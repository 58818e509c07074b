import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { verifyDataset } from '../../lib/datasets/verify-dataset';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { exportedRows } from '../support/exported-rows';
import { useBrokerAndStore } from '../support/broker-and-store';
import { mqttManifest } from '../support/manifests';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from '../support/pull-timing';

const env = useBrokerAndStore();

/** A Kamu manifest whose read step declares no schema. */
const manifest = (name: string) => mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }], fields: null });

async function publish(topic: string, payloads: string[]) {
  const c = await mqtt.connectAsync(env.broker.url);
  for (const p of payloads) await c.publishAsync(topic, p, { qos: 1 });
  await c.endAsync();
}

const pull = (name: string) => runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS } });

describe('[PULL] a read step without a schema', () => {
  it('infers the schema from the first readable messages, keeps it, and quarantines what does not fit it', async () => {
    await addDataset({ store: env.store, manifest: manifest('inferred') });
    await pull('inferred');

    // A first batch with nothing readable: quarantined, no schema fixed yet.
    await publish('inferred/x', ['not json']);
    expect(await pull('inferred')).toMatchObject({ quarantined: 1, rowsCommitted: 0 });
    expect((await env.store.ingest.getDatasetHead(defaultWorkspaceKey('inferred')))!.inferredReadSchema).toBeNull();

    await publish('inferred/x', [
      JSON.stringify({ event_time: 1767225600, device: 'a', value: 1 }),
      JSON.stringify({ event_time: 1767225660, device: 'b', value: 2.5 }),
    ]);
    expect(await pull('inferred')).toMatchObject({ rowsCommitted: 2 });
    const head = (await env.store.ingest.getDatasetHead(defaultWorkspaceKey('inferred')))!;
    expect(head.inferredReadSchema!.fields.map((f) => f.name)).toEqual(['event_time', 'device', 'value']);

    // Later pulls read with the kept schema: a text value is now a type error, a known key a duplicate.
    await publish('inferred/x', [
      JSON.stringify({ event_time: 1767225720, device: 'c', value: 'hot' }),
      JSON.stringify({ event_time: 1767225600, device: 'a', value: 1 }),
      JSON.stringify({ event_time: 1767225780, device: 'd', value: 4 }),
    ]);
    expect(await pull('inferred')).toMatchObject({ rowsCommitted: 1, quarantined: 1 });

    const rows = await exportedRows(env.store, 'inferred');
    expect(rows.map((r) => [r.event_time, r.device, r.value])).toEqual([
      ['2026-01-01T00:00:00.000Z', 'a', 1],
      ['2026-01-01T00:01:00.000Z', 'b', 2.5],
      ['2026-01-01T00:03:00.000Z', 'd', 4],
    ]);
    expect((await verifyDataset(env.store, defaultWorkspaceKey('inferred'))).problems).toEqual([]);
  });
});

describe('[PULL] an inferred schema stored before "__proto__" was refused', () => {
  it('reads without that column: no row can hold it', async () => {
    await addDataset({ store: env.store, manifest: manifest('protoinferred') });
    await pull('protoinferred'); // the broker session, so that what is published next is kept for it
    const ds = (await env.store.datasets.find(defaultWorkspaceKey('protoinferred')))!;
    const schema = { fields: [{ name: '__proto__', type: { kind: 'Option', inner: { kind: 'String' } } }, { name: 'device', type: { kind: 'Option', inner: { kind: 'String' } } }] };
    await env.store.prisma.$executeRaw`UPDATE dataset SET inferred_read_schema = ${JSON.stringify(schema)}::jsonb WHERE id = ${ds.id}`;
    const head = (await env.store.ingest.getDatasetHead(defaultWorkspaceKey('protoinferred')))!;
    expect(head.inferredReadSchema!.fields.map((f) => f.name)).toEqual(['device']);
    await publish('protoinferred/a', ['{"device":"d1","__proto__":{"x":1}}']);
    expect(await pull('protoinferred')).toMatchObject({ rowsCommitted: 1, quarantined: 0 });
  });
});
