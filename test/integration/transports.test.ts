/**
 * How Sluice reaches a broker: MQTT over WebSocket (Mosquitto), the embedded aedes broker (MQTT
 * 3.1.1 only, so the client's MQTT 5 attempt falls back), and MQTT over TLS with a throwaway CA.
 * `host` in a manifest may be a URL (Sluice's extension); the manifest `port` is then used.
 */
import mqtt, { type IClientOptions } from 'mqtt';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../lib/broker/embedded-broker';
import { addDataset } from '../../lib/datasets/add-dataset';
import { verifyDataset } from '../../lib/datasets/verify-dataset';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import type { PullOptions } from '../../lib/ingest/pull-options';
import { openBrokerTransport } from '../../lib/ingest/fetch/broker-transport';
import type { Store } from '../../lib/store/open-store';
import { committedRows } from '../support/committed-rows';
import { mqttManifest, type TestManifest } from '../support/manifests';
import { startMosquitto, type MosquittoServer } from '../support/mosquitto-server';
import { createTestStore } from '../support/test-store';
import { createTestPki, startTlsMosquitto, type TestPki, type TlsMosquittoServer } from '../support/tls-mosquitto';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from '../support/pull-timing';

let mosquitto: MosquittoServer;
let aedes: EmbeddedBroker;
let tlsBroker: TlsMosquittoServer;
let mutualTlsBroker: TlsMosquittoServer;
let otherPki: TestPki;
let store: Store;

beforeAll(async () => {
  otherPki = createTestPki();
  [mosquitto, aedes, tlsBroker, store] = await Promise.all([
    startMosquitto(),
    startEmbeddedBroker({ port: 0, wsPort: 0 }),
    startTlsMosquitto(),
    createTestStore(),
  ]);
  mutualTlsBroker = await startTlsMosquitto({ requireClientCertificate: true });
});
afterAll(async () => {
  await store?.close();
  await Promise.all([mosquitto?.stop(), aedes?.close(), tlsBroker?.stop(), mutualTlsBroker?.stop()]);
  otherPki?.cleanup();
});

const pull = (dataset: string, options: Partial<PullOptions> = {}) =>
  runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(dataset), options: { idleTimeoutMs: TEST_IDLE_MS, connectTimeoutMs: 3000, ...options } });

async function add(m: Partial<TestManifest> & { name: string; port: number }): Promise<void> {
  await addDataset({
    store,
    manifest: mqttManifest({ topics: [{ path: `${m.name}/#`, qos: 'AtLeastOnce' }], merge: '        kind: Append', ...m }),
  });
}

const reading = (i: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), device: 'd', value: i });

async function publish(url: string, topic: string, values: number[], opts: IClientOptions = {}): Promise<void> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...opts });
  for (const i of values) await c.publishAsync(topic, reading(i), { qos: 1 });
  await c.endAsync();
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function values(name: string): Promise<number[]> {
  return (await committedRows(store, name)).map((r) => r.value as number);
}

async function lastPull(name: string) {
  const ds = (await store.datasets.find(defaultWorkspaceKey(name)))!;
  return (await store.datasets.pulls(ds.id))[0];
}

async function expectVerified(name: string): Promise<void> {
  expect((await verifyDataset(store, defaultWorkspaceKey(name))).problems).toEqual([]);
}

describe('[TRANSPORT] TCP without delay', () => {
  /** Whether Node sent TCP_NODELAY for the socket: its own record of setNoDelay (no public getter). */
  const noDelay = (socket: Socket) => {
    const flag = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
    expect(flag, 'Node records setNoDelay under kSetNoDelay').toBeDefined();
    return (socket as unknown as Record<symbol, boolean>)[flag!];
  };

  it("opens mqtt:// and mqtts:// connections without Nagle's algorithm (acknowledgements must not wait for the broker's delayed ACK)", async () => {
    for (const url of [`mqtt://127.0.0.1:${mosquitto.port}`, `mqtts://localhost:${tlsBroker.tlsPort}`]) {
      const socket = openBrokerTransport(new URL(url), { ca: tlsBroker.pki.ca }) as Socket;
      await once(socket, url.startsWith('mqtts') ? 'secureConnect' : 'connect');
      expect(noDelay(socket), url).toBe(true);
      socket.destroy();
    }
  });
});

describe('[TRANSPORT] MQTT over WebSocket', () => {
  it('pulls from Mosquitto through its WebSocket listener (host ws://127.0.0.1, port = the ws port)', async () => {
    const name = 'wspull';
    await add({ name, host: 'ws://127.0.0.1', port: mosquitto.wsPort });
    expect(await pull(name)).toMatchObject({ status: 'up_to_date', messagesReceived: 0 });

    await publish(mosquitto.url, `${name}/a`, range(0, 5));
    expect(await pull(name)).toMatchObject({ status: 'updated', messagesReceived: 5, rowsCommitted: 5 });
    expect(await pull(name)).toMatchObject({ status: 'up_to_date', messagesReceived: 0 });
    expect(await values(name)).toEqual(range(0, 5));
    await expectVerified(name);
  });

  it('pulls from the embedded broker over WebSocket on its /mqtt path, falling back to MQTT 3.1.1', async () => {
    const name = 'aedesws';
    await add({ name, host: 'ws://127.0.0.1/mqtt', port: aedes.wsPort });
    expect(await pull(name)).toMatchObject({ status: 'up_to_date' });
    await publish(aedes.url, `${name}/a`, range(0, 3));
    expect(await pull(name)).toMatchObject({ status: 'updated', rowsCommitted: 3 });
    expect(await values(name)).toEqual(range(0, 3));
    await expectVerified(name);
  });
});

describe('[TRANSPORT] the embedded aedes broker (MQTT 3.1.1 only)', () => {
  it('delivers a backlog through the persistent session across two pulls, exactly once', async () => {
    const name = 'aedesbacklog';
    await add({ name, port: aedes.port });
    // First pull: MQTT 5 is refused, 3.1.1 connects and the persistent session subscribes.
    expect(await pull(name)).toMatchObject({ status: 'up_to_date', messagesReceived: 0 });

    // Published while Sluice is offline: aedes queues them for the session.
    await publish(aedes.url, `${name}/a`, range(0, 25));
    const first = await pull(name, { recordCap: 10 });
    expect(first).toMatchObject({ status: 'updated', rowsCommitted: 10, hasMore: true });
    // The 15 not taken in were never acknowledged: aedes keeps them for the next session.
    const second = await pull(name, { recordCap: 100 });
    expect(second).toMatchObject({ status: 'updated', rowsCommitted: 15, hasMore: false, duplicates: 0 });
    expect(await pull(name)).toMatchObject({ status: 'up_to_date', messagesReceived: 0 });

    const rows = await committedRows(store, name);
    expect(rows.map((r) => Number(r.offset))).toEqual(range(0, 25));
    expect(rows.map((r) => r.value as number).sort((a, b) => a - b)).toEqual(range(0, 25));

    // Messages published between pulls keep arriving in the same session.
    await publish(aedes.url, `${name}/b`, [100, 101]);
    expect(await pull(name)).toMatchObject({ status: 'updated', rowsCommitted: 2 });
    expect((await values(name)).slice(25)).toEqual([100, 101]);
    await expectVerified(name);
  });
});

describe('[TRANSPORT] MQTT over TLS', () => {
  it('pulls over mqtts:// when the broker certificate is signed by the configured CA', async () => {
    const name = 'tlspull';
    const tls = { ca: tlsBroker.pki.ca };
    await add({ name, host: 'mqtts://localhost', port: tlsBroker.tlsPort });
    expect(await pull(name, { tls })).toMatchObject({ status: 'up_to_date' });

    await publish(tlsBroker.url, `${name}/a`, range(0, 4));
    expect(await pull(name, { tls })).toMatchObject({ status: 'updated', messagesReceived: 4, rowsCommitted: 4 });
    expect(await values(name)).toEqual(range(0, 4));

    // Without the CA, the server certificate cannot be verified: TLS_FAILED, and nothing is lost.
    await publish(tlsBroker.url, `${name}/a`, [4]);
    await expect(pull(name)).rejects.toMatchObject({ code: 'TLS_FAILED' });
    expect(await lastPull(name)).toMatchObject({ status: 'failed', errorCode: 'TLS_FAILED' });
    // A CA that did not sign the server certificate is refused the same way.
    await expect(pull(name, { tls: { ca: otherPki.ca } })).rejects.toMatchObject({ code: 'TLS_FAILED' });

    expect(await pull(name, { tls })).toMatchObject({ status: 'updated', rowsCommitted: 1 });
    expect(await values(name)).toEqual(range(0, 5));
    await expectVerified(name);
  });

  it('presents a client certificate kept as dataset secrets (MQTT_TLS_CA, MQTT_TLS_CERT, MQTT_TLS_KEY) to a broker that requires one', async () => {
    const name = 'tlsclient';
    await add({ name, host: 'mqtts://localhost', port: mutualTlsBroker.tlsPort });
    const d = (await store.datasets.find(defaultWorkspaceKey(name)))!;
    const brokers = [`mqtts://localhost:${mutualTlsBroker.tlsPort}`];
    await store.secrets.set({ workspaceId: d.workspaceId, datasetId: d.id, name: 'MQTT_TLS_CA', value: mutualTlsBroker.pki.ca, brokers });
    // The CA alone is not enough: the broker refuses a client without a certificate.
    await expect(pull(name)).rejects.toMatchObject({ code: expect.stringMatching(/TLS_FAILED|BROKER_UNREACHABLE|CONNECTION_LOST/) });
    await store.secrets.set({ workspaceId: d.workspaceId, datasetId: d.id, name: 'MQTT_TLS_CERT', value: mutualTlsBroker.pki.clientCert, brokers });
    await store.secrets.set({ workspaceId: d.workspaceId, datasetId: d.id, name: 'MQTT_TLS_KEY', value: mutualTlsBroker.pki.clientKey, brokers });
    expect(await pull(name)).toMatchObject({ status: 'up_to_date' });
    await publish(mutualTlsBroker.url, `${name}/a`, [1, 2]);
    expect(await pull(name)).toMatchObject({ status: 'updated', rowsCommitted: 2 });
  });

  it('verifies an IP address against the certificate (mqtts://127.0.0.1)', async () => {
    const name = 'tlsip';
    await add({ name, host: 'mqtts://127.0.0.1', port: tlsBroker.tlsPort });
    await expect(pull(name)).rejects.toMatchObject({ code: 'TLS_FAILED' });
    expect(await pull(name, { tls: { ca: tlsBroker.pki.ca } })).toMatchObject({ status: 'up_to_date' });
    await publish(tlsBroker.url, `${name}/a`, [7]);
    expect(await pull(name, { tls: { ca: tlsBroker.pki.ca } })).toMatchObject({ status: 'updated', rowsCommitted: 1 });
    expect(await values(name)).toEqual([7]);
  });
});
