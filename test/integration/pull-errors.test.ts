import { execFileSync } from 'node:child_process';
import net from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { pullUntilCaughtUp } from '../../lib/ingest/pull-until-caught-up';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import type { Store } from '../../lib/store/open-store';
import { committedRows } from '../support/committed-rows';
import { freePort } from '../support/free-port';
import { mqttManifest, type TestManifest } from '../support/manifests';
import { startMosquitto, type MosquittoServer } from '../support/mosquitto-server';
import { lostSessionRefusing, startPacketProxy } from '../support/packet-proxy';
import { createTestStore } from '../support/test-store';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from '../support/pull-timing';

let broker: MosquittoServer;
let secured: MosquittoServer;
let store: Store;

beforeAll(async () => {
  [broker, secured, store] = await Promise.all([startMosquitto(), startMosquitto({ users: { sensor: 's3cret' } }), createTestStore()]);
});
afterAll(async () => {
  await store?.close();
  await Promise.all([broker?.stop(), secured?.stop()]);
});

/** A pull given `env` as an operator's allowed environment, bound to the secured broker. */
const pull = (dataset: string, env: Record<string, string> = {}) =>
  runPollingIngest({
    store: store.ingest,
    dataset: defaultWorkspaceKey(dataset),
    options: { idleTimeoutMs: TEST_IDLE_MS, connectTimeoutMs: 2000 },
    environment: { secrets: new Map(Object.entries(env).map(([name, value]) => [name, { value, brokers: [`mqtt://127.0.0.1:${secured.port}`] }])), fallback: () => undefined },
  });

async function add(m: Partial<TestManifest> & { name: string }) {
  await addDataset({ store, manifest: mqttManifest({ port: broker.port, topics: [{ path: `${m.name}/#`, qos: 'AtLeastOnce' }], ...m }) });
}

async function lastPull(name: string) {
  const ds = (await store.datasets.find(defaultWorkspaceKey(name)))!;
  return (await store.datasets.pulls(ds.id))[0];
}

describe('[PULL] bad payloads are quarantined, good ones committed', () => {
  it('quarantines each bad message with its reason and commits the rest of the pull', async () => {
    await add({ name: 'mixed' });
    await pull('mixed');
    const c = await mqtt.connectAsync(broker.url);
    const good = (i: number) => JSON.stringify({ event_time: `2026-01-01T00:00:0${i}Z`, device: 'd', value: i });
    const payloads: (string | Buffer)[] = [
      good(1),
      'not json at all',
      Buffer.from([0xff, 0xfe, 0x00]),
      JSON.stringify({ event_time: '2026-01-01T00:00:05Z', device: 'd', value: 'hot' }),
      JSON.stringify({ device: 'd', value: 3 }),
      good(2),
    ];
    for (const p of payloads) await c.publishAsync('mixed/t', p, { qos: 1 });
    await c.endAsync();

    const r = await pull('mixed');
    expect(r).toMatchObject({ messagesReceived: 6, rowsCommitted: 2, quarantined: 4 });
    const ds = (await store.datasets.find(defaultWorkspaceKey('mixed')))!;
    const q = await store.datasets.quarantine(ds.id);
    expect(q.map((m) => m.reason)).toEqual([
      expect.stringMatching(/not valid JSON|Unexpected token|invalid JSON/i),
      'payload is not valid UTF-8',
      expect.stringContaining('field "value": expected Float64, got string "hot"'),
      'missing required field "event_time"',
    ]);
    expect(q.every((m) => m.topic === 'mixed/t' && m.pullId === r.pullId)).toBe(true);
    expect(Buffer.from(q[1].payload)).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
    expect(await lastPull('mixed')).toMatchObject({ status: 'updated', messagesReceived: 6, rowsCommitted: 2, quarantined: 4 });

    // Quarantined messages were acknowledged with their commit: they do not come back.
    expect(await pull('mixed')).toMatchObject({ messagesReceived: 0 });
    expect(await store.datasets.discardQuarantine(ds.id, [q[0].id])).toBe(1);
    expect(await store.datasets.quarantine(ds.id)).toHaveLength(3);
  });
});

/** Publishes one reading of `value` (its own event time) at QoS 1 straight to the broker. */
async function publishTo(topic: string, value: number) {
  const c = await mqtt.connectAsync(broker.url);
  await c.publishAsync(topic, JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, value)).toISOString(), device: 'd', value }), { qos: 1 });
  await c.endAsync();
}

describe('[PULL] errors a user can act on', () => {
  it('wrong password', async () => {
    await add({ name: 'authbad', port: secured.port, username: 'sensor', password: '${{ env.MQTT_PASSWORD }}' });
    await expect(pull('authbad', { MQTT_PASSWORD: 'wrong' })).rejects.toMatchObject({ code: 'BROKER_AUTH_FAILED', message: expect.stringContaining('rejected the username or password') });
    expect(await lastPull('authbad')).toMatchObject({ status: 'failed', errorCode: 'BROKER_AUTH_FAILED' });
    await expect(pull('authbad', { MQTT_PASSWORD: 's3cret' })).resolves.toMatchObject({ status: 'up_to_date' });
  });

  it('a password template whose variable is not set', async () => {
    await add({ name: 'authtemplate', port: secured.port, username: 'sensor', password: '${{ env.NOT_SET_ANYWHERE }}' });
    await expect(pull('authtemplate')).rejects.toMatchObject({ code: 'TEMPLATE_UNRESOLVED', message: expect.stringContaining('NOT_SET_ANYWHERE') });
  });

  it('unreachable broker, within the connect timeout', async () => {
    await add({ name: 'unreachable', port: await freePort() });
    // Ending at all proves it: a pull that kept retrying would run into the test's timeout.
    await expect(pull('unreachable')).rejects.toMatchObject({ code: 'BROKER_UNREACHABLE', message: expect.stringContaining('no MQTT broker answered') });
  });

  it('a filter the broker refused fails the pull naming it, and the next pull subscribes it again instead of resuming the session the broker kept without it', async () => {
    const refusing = lostSessionRefusing('refused-part/b/#');
    const proxy = await startPacketProxy({ brokerPort: broker.port, fromClient: refusing.fromClient, fromBroker: refusing.fromBroker });
    try {
      await add({ name: 'refused-part', port: proxy.port, topics: [{ path: 'refused-part/a/#', qos: 'AtLeastOnce' }, { path: 'refused-part/b/#', qos: 'AtLeastOnce' }] });
      await pull('refused-part');
      refusing.arm();
      await expect(pull('refused-part')).rejects.toMatchObject({ code: 'BROKER_NOT_AUTHORIZED', message: expect.stringContaining('"refused-part/b/#"') });
      // Before, this pull resumed the kept session and sent no SUBSCRIBE: readings on b never came.
      await pull('refused-part');
      await publishTo('refused-part/a/x', 2);
      await publishTo('refused-part/b/x', 3);
      await pull('refused-part');
      expect((await committedRows(store, 'refused-part')).map((r) => r.value).sort()).toEqual([2, 3]);
    } finally {
      await proxy.close();
    }
  });

  it('a broker declaring a huge packet fails the pull from its header, without buffering its body', async () => {
    // A "broker" that accepts the CONNECT, then starts a PUBLISH declaring ~256 MiB and trickles it.
    const hostile = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00])); // CONNACK (3.1.1), accepted
        socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])); // PUBLISH, remaining length 268,435,455
        const trickle = setInterval(() => socket.write(Buffer.alloc(64 * 1024)), 10);
        socket.on('close', () => clearInterval(trickle)).on('error', () => clearInterval(trickle));
      });
    });
    const port = await new Promise<number>((resolve) => hostile.listen(0, '127.0.0.1', () => resolve((hostile.address() as net.AddressInfo).port)));
    await add({ name: 'hugepacket', port });
    const pulled = runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('hugepacket'), options: { idleTimeoutMs: 10_000, connectTimeoutMs: 10_000, protocolVersion: 4 } });
    await expect(pulled).rejects.toMatchObject({ message: expect.stringContaining('oversized packet: an MQTT packet of 268435455 bytes exceeds the limit of 16777216') });
    hostile.close();
  });

  it('a primary-key column missing from the schema is refused when the manifest is added (a pull would refuse it)', async () => {
    await expect(add({ name: 'badkey', merge: '        kind: Ledger\n        primaryKey: [sensor_id]' })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      message: expect.stringContaining('primary key column "sensor_id" is not in the read schema'),
    });
    expect(await store.datasets.find(defaultWorkspaceKey('badkey'))).toBeUndefined();
  });

  it('an invalid topic filter is refused when the manifest is added, with its position', async () => {
    const add = addDataset({ store, manifest: mqttManifest({ name: 'badfilter', port: broker.port, topics: [{ path: 'a/b+', qos: 'AtLeastOnce' }] }) });
    await expect(add).rejects.toThrow(/line \d+, column \d+: .*"a\/b\+"/);
    expect(await store.datasets.find(defaultWorkspaceKey('badfilter'))).toBeUndefined();
  });
});

describe('[PULL] the record cap bounds a pull, and the caller pulls again', () => {
  it('stops at the cap with hasMore, and pullUntilCaughtUp drains the backlog', async () => {
    await add({ name: 'capped', merge: '        kind: Append' });
    await pull('capped');
    const c = await mqtt.connectAsync(broker.url);
    for (let i = 0; i < 25; i++) await c.publishAsync('capped/t', JSON.stringify({ event_time: '2026-01-01T00:00:00Z', device: 'd', value: i }), { qos: 1 });
    await c.endAsync();
    const one = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('capped'), options: { idleTimeoutMs: TEST_IDLE_MS, recordCap: 10 } });
    expect(one).toMatchObject({ rowsCommitted: 10, hasMore: true });
    const rest = await pullUntilCaughtUp({ store: store.ingest, dataset: defaultWorkspaceKey('capped'), options: { idleTimeoutMs: TEST_IDLE_MS, recordCap: 10 } });
    expect(rest).toMatchObject({ rowsCommitted: 15, pulls: 2 });
    expect((await committedRows(store, 'capped')).map((r) => r.value)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('a pull whose process was starved past its idle timeout reads what the broker sent meanwhile before calling it idle', async () => {
    await add({ name: 'starved' });
    await pull('starved');
    const r = await runPollingIngest({
      store: store.ingest,
      dataset: defaultWorkspaceKey('starved'),
      options: { idleTimeoutMs: 300 },
      onProgress: (p) => {
        if (p.stage !== 'receiving' || p.messagesReceived > 0) return;
        // Subscribed: the event loop is blocked (as on a loaded machine) while a message arrives and
        // past the idle timeout, so when it resumes the message is unread and the timeout is due.
        execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', '1', '-t', 'starved/t', '-m', JSON.stringify({ event_time: '2026-01-01T00:00:00Z', device: 'd', value: 1 })]);
        const until = Date.now() + 600;
        while (Date.now() < until);
      },
    });
    expect(r).toMatchObject({ messagesReceived: 1, rowsCommitted: 1 });
  });

  it('ends a pull on a topic that never goes quiet after maxDurationMs, with more to take; a run of pulls ends at its budget saying so', async () => {
    await add({ name: 'live', merge: '        kind: Append' });
    await pull('live');
    const c = await mqtt.connectAsync(broker.url);
    let i = 0;
    const timer = setInterval(() => void c.publishAsync('live/t', JSON.stringify({ event_time: '2026-01-01T00:00:00Z', device: 'd', value: i++ }), { qos: 1 }), 50);
    try {
      // The topic never goes quiet for idleTimeoutMs, so only maxDurationMs can end this pull:
      // returning at all proves it (otherwise the test's timeout fails it).
      const r = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('live'), options: { idleTimeoutMs: 500, maxDurationMs: 1000 } });
      // Out of time while the broker was still sending: not caught up.
      expect(r).toMatchObject({ status: 'updated', hasMore: true });
      expect(r.rowsCommitted).toBeGreaterThan(5);
      // A run goes on after such a pull until its budget (here spent by the first pull) is used up.
      const run = await pullUntilCaughtUp({ store: store.ingest, dataset: defaultWorkspaceKey('live'), options: { idleTimeoutMs: 500, maxDurationMs: 1000 }, maxRunMs: 1 });
      expect(run.pulls).toBe(1);
      expect(run.pending?.reason).toMatch(/^more is pending at the broker: messages were still arriving when the run stopped after \d+ s/);
    } finally {
      clearInterval(timer);
      await c.endAsync();
    }
  });
});
