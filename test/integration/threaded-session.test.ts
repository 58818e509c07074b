import mqtt from 'mqtt';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { activeBrokerPolicy, installBrokerPolicy } from '../../lib/brokers/active-broker-policy';
import { brokerPolicyFrom } from '../../lib/brokers/broker-policy';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { SubscriptionFailed, type MqttSessionHandlers, type MqttSessionOptions, type ReceivedMessage } from '../../lib/ingest/fetch/mqtt-session';
import { openThreadedMqttSession } from '../../lib/ingest/fetch/threaded-mqtt-session';
import { readAheadPlan } from '../../lib/ingest/read/read-ahead';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import type { SluiceError } from '../../lib/errors';
import { useBrokerAndStore } from '../support/broker-and-store';
import { committedRows } from '../support/committed-rows';
import { freePort } from '../support/free-port';
import { mqttManifest } from '../support/manifests';
import { startPacketProxy } from '../support/packet-proxy';
import { TEST_IDLE_MS } from '../support/pull-timing';

const env = useBrokerAndStore();
const before = activeBrokerPolicy();
afterAll(() => installBrokerPolicy(before));

async function publish(topic: string, count: number, qos: 1 | 2) {
  const c = await mqtt.connectAsync(env.broker.url);
  for (let i = 0; i < count; i++) await c.publishAsync(topic, JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), device: 'd1', value: i }), { qos });
  await c.endAsync();
}

function sessionOptions(clientId: string, filter: string, overrides: Partial<MqttSessionOptions> = {}): MqttSessionOptions {
  return { url: env.broker.url, clientId, topics: [{ path: filter, qos: 1 }], protocolVersion: 5, receiveMaximum: 100, connectTimeoutMs: 5000, ...overrides };
}

function recorder() {
  const messages: ReceivedMessage[] = [];
  const errors: SluiceError[] = [];
  const handlers: MqttSessionHandlers = { onMessage: (m) => messages.push(m), onPubrel: () => {}, onError: (e) => errors.push(e) };
  return { messages, errors, handlers };
}

const threadedPull = (name: string, protocolVersion: 4 | 5) =>
  runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS, protocolVersion }, openSession: openThreadedMqttSession });

describe('[THREADED SESSION] a pull whose socket runs on its own thread keeps the delivery guarantee', () => {
  for (const protocolVersion of [5, 4] as const) {
    it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: a QoS 1 backlog is committed exactly once, in order, as one slice`, async () => {
      const name = `threaded.v${protocolVersion}`;
      await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
      await threadedPull(name, protocolVersion);
      await publish(`${name}/a`, 300, 1);
      expect(await threadedPull(name, protocolVersion)).toMatchObject({ status: 'updated', messagesReceived: 300, rowsCommitted: 300, slices: 1, hasMore: false });
      expect(await threadedPull(name, protocolVersion)).toMatchObject({ status: 'up_to_date', messagesReceived: 0 });
      expect((await committedRows(env.store, name)).map((r) => r.value)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    });
  }

  it('QoS 2: the broker releases (PUBREL) reach the pull through the thread, so its receipts settle and nothing is read twice', async () => {
    const name = 'threaded.qos2';
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos: 'ExactlyOnce' }], merge: '        kind: Append' }) });
    await threadedPull(name, 5);
    await publish(`${name}/a`, 50, 2);
    expect(await threadedPull(name, 5)).toMatchObject({ messagesReceived: 50, rowsCommitted: 50, duplicates: 0 });
    const ds = (await env.store.datasets.find(defaultWorkspaceKey(name)))!;
    expect((await env.store.ingest.loadQos2Receipts(ds.id)).size).toBe(0);
    expect(await threadedPull(name, 5)).toMatchObject({ status: 'up_to_date', messagesReceived: 0 });
  });

  it('acknowledges only what acknowledge() released: the broker resends the rest to the next session', async () => {
    const first = recorder();
    const session = await openThreadedMqttSession(sessionOptions('threaded-acks', 'threaded/acks/#'), first.handlers);
    await publish('threaded/acks/a', 5, 1);
    await vi.waitFor(() => expect(first.messages).toHaveLength(5), { timeout: 30_000 });
    expect(first.messages.map((m) => JSON.parse(m.payload.toString()).value)).toEqual([0, 1, 2, 3, 4]);
    for (const m of first.messages.slice(0, 2)) session.acknowledge(m);
    await session.close();

    const second = recorder();
    const again = await openThreadedMqttSession(sessionOptions('threaded-acks', 'threaded/acks/#', { sessionTopics: [{ path: 'threaded/acks/#', qos: 1 }] }), second.handlers);
    await vi.waitFor(() => expect(second.messages).toHaveLength(3), { timeout: 30_000 });
    expect(second.messages.map((m) => [JSON.parse(m.payload.toString()).value, m.dup])).toEqual([
      [2, true],
      [3, true],
      [4, true],
    ]);
    for (const m of second.messages) again.acknowledge(m);
    await again.close();
  });

  it('reads ahead on the thread: each message arrives with the rows (or quarantine reason) the pull would read from it', async () => {
    const plan = readAheadPlan({ kind: 'NdJson' }, { fields: [{ name: 'device', type: { kind: 'String' } }, { name: 'value', type: { kind: 'Int64' } }] }, 1024);
    const r = recorder();
    const session = await openThreadedMqttSession(sessionOptions('threaded-read-ahead', 'threaded/read/#', { readAhead: plan }), r.handlers);
    const c = await mqtt.connectAsync(env.broker.url);
    for (const payload of ['{"device":"d1","value":7}', '{"device":"d2","value":"x"}', '{"device":"d3","value":1} {"device":"d4","value":2}']) await c.publishAsync('threaded/read/a', payload, { qos: 1 });
    await c.endAsync();
    await vi.waitFor(() => expect(r.messages).toHaveLength(3), { timeout: 30_000 });
    for (const m of r.messages) session.acknowledge(m);
    await session.close();
    expect(r.messages.map((m) => m.readAhead && m.readAhead.results.key)).toEqual([plan.key, plan.key, plan.key]);
    expect(r.messages.map((m) => m.readAhead!.results.at(m.readAhead!.index))).toEqual([
      { ok: true, rows: [{ device: 'd1', value: 7n }] },
      { ok: false, reason: 'field "value": expected Int64, got string "x"' },
      { ok: true, rows: [{ device: 'd3', value: 1n }, { device: 'd4', value: 2n }] },
    ]);
  });

  it('a broker that goes away is reported once as CONNECTION_LOST', async () => {
    const { errors, handlers } = recorder();
    const session = await openThreadedMqttSession(sessionOptions('threaded-lost', 'threaded/lost/#'), handlers);
    await env.broker.restart();
    await vi.waitFor(() => expect(errors).not.toHaveLength(0), { timeout: 30_000 });
    expect(errors[0]).toMatchObject({ code: 'CONNECTION_LOST' });
    await session.close();
    expect(errors).toHaveLength(1);
  });

  it('connection failures keep their codes across the thread (nothing listening: BROKER_UNREACHABLE)', async () => {
    const port = await freePort();
    await expect(openThreadedMqttSession(sessionOptions('threaded-none', 'x/#', { url: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 2000 }), recorder().handlers)).rejects.toMatchObject({
      code: 'BROKER_UNREACHABLE',
    });
  });

  it('a failed subscription stays one across the thread, so the pull forgets the filters it recorded for the session', async () => {
    const proxy = await startPacketProxy({ brokerPort: env.broker.port, fromClient: (p) => (p.cmd === 'subscribe' ? 'hang up' : 'pass') });
    try {
      const failure = await openThreadedMqttSession(sessionOptions('threaded-refused', 'x/#', { url: `mqtt://127.0.0.1:${proxy.port}` }), recorder().handlers).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(SubscriptionFailed);
      expect(failure).toMatchObject({ code: 'BROKER_NOT_AUTHORIZED' });
    } finally {
      await proxy.close();
    }
  });
});

describe('[THREADED SESSION] the session thread judges brokers with the pulling thread’s policy', () => {
  it('refuses a broker the installed policy refuses, and reaches one it allows, whatever the environment would say', async () => {
    installBrokerPolicy(brokerPolicyFrom({}, { signupOpen: true }));
    await expect(openThreadedMqttSession(sessionOptions('threaded-policy', 'p/#'), recorder().handlers)).rejects.toMatchObject({ code: 'BROKER_NOT_ALLOWED' });

    installBrokerPolicy(brokerPolicyFrom({ SLUICE_BROKER_URL: env.broker.url }, { signupOpen: true }));
    const session = await openThreadedMqttSession(sessionOptions('threaded-policy', 'p/#'), recorder().handlers);
    await session.close();
  });
});
