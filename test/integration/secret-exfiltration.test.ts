import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey, DEFAULT_WORKSPACE_ID } from '../../lib/datasets/dataset-key';
import { updateDatasetManifest } from '../../lib/datasets/update-dataset-manifest';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { useBrokerAndStore } from '../support/broker-and-store';
import { mqttManifest } from '../support/manifests';
import { TEST_IDLE_MS } from '../support/pull-timing';

/** A TCP listener an editor controls: it logs every byte anyone sends it (a CONNECT packet included). */
function connectLogger() {
  const received: Buffer[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.on('data', (b) => received.push(b));
    socket.on('error', () => undefined);
  });
  return {
    start: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))),
    text: () => Buffer.concat(received).toString('latin1'),
    connections: () => connections,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const env = useBrokerAndStore({ users: { device: 'broker-Pa55word' } });
const listener = connectLogger();
let listenerPort: number;
const SECRETS = { MQTT_PASSWORD: 'broker-Pa55word', API_TOKEN: 'api-T0ken-value', MQTT_TLS_KEY: '-----BEGIN PRIVATE KEY-----tls-key-value' };

beforeAll(async () => {
  listenerPort = await listener.start();
});
afterAll(() => listener.stop());

const pull = (name: string) => runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS, connectTimeoutMs: 2000 } });

describe('[SECRETS] a stored secret goes only to the brokers a maintainer bound it to', () => {
  it('re-pointing a dataset, or a new dataset naming workspace secrets, sends no secret to the editor\'s listener', async () => {
    const brokerBinding = [`mqtt://127.0.0.1:${env.broker.port}`];
    // The maintainer's setup: a dataset on the real broker, its password a stored secret, and workspace secrets.
    const base = { topics: [{ path: 'exfil/#', qos: 'AtLeastOnce' as const }], username: 'device', password: '${{ env.MQTT_PASSWORD }}' };
    const { id } = await addDataset({ store: env.store, manifest: mqttManifest({ name: 'exfil', port: env.broker.port, ...base }) });
    await env.store.secrets.set({ workspaceId: DEFAULT_WORKSPACE_ID, datasetId: id, name: 'MQTT_PASSWORD', value: SECRETS.MQTT_PASSWORD, brokers: brokerBinding });
    await env.store.secrets.set({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'API_TOKEN', value: SECRETS.API_TOKEN, brokers: brokerBinding });
    await env.store.secrets.set({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'MQTT_TLS_KEY', value: SECRETS.MQTT_TLS_KEY, brokers: brokerBinding });
    expect(await pull('exfil')).toMatchObject({ status: 'up_to_date' }); // the bound broker gets its password

    // An editor re-points the dataset at their listener and keeps the password template.
    await updateDatasetManifest({ store: env.store, dataset: defaultWorkspaceKey('exfil'), manifest: mqttManifest({ name: 'exfil', port: listenerPort, ...base }) });
    await expect(pull('exfil')).rejects.toMatchObject({ code: 'SECRET_NOT_ALLOWED', message: expect.stringContaining(`the secret MQTT_PASSWORD is not allowed for the broker mqtt://127.0.0.1:${listenerPort}`) });

    // A new dataset asking for every secret at once, on the listener's port and on the broker's host with another port.
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'exfil2', port: listenerPort, ...base, password: '${{ env.API_TOKEN }}|${{ env.MQTT_TLS_KEY }}' }) });
    await expect(pull('exfil2')).rejects.toMatchObject({ code: 'SECRET_NOT_ALLOWED' });

    const seen = listener.text();
    for (const value of Object.values(SECRETS)) expect(seen).not.toContain(value);
    expect(listener.connections()).toBe(0); // refused before connecting at all
  });

  it('a password typed in clear is bound to its own manifest\'s broker, and a maintainer can re-bind a secret', async () => {
    const m = { topics: [{ path: 'typed/#', qos: 'AtLeastOnce' as const }], username: 'device' };
    const { id } = await addDataset({ store: env.store, manifest: mqttManifest({ name: 'typed', port: env.broker.port, ...m, password: SECRETS.MQTT_PASSWORD }) });
    const [stored] = await env.store.secrets.list(DEFAULT_WORKSPACE_ID, id).then((l) => l.filter((s) => s.scope === 'dataset'));
    expect(stored).toMatchObject({ name: 'MQTT_PASSWORD', brokers: [`mqtt://127.0.0.1:${env.broker.port}`] });
    expect(await pull('typed')).toMatchObject({ status: 'up_to_date' });

    await updateDatasetManifest({ store: env.store, dataset: defaultWorkspaceKey('typed'), manifest: mqttManifest({ name: 'typed', port: listenerPort, ...m, password: '${{ env.MQTT_PASSWORD }}' }) });
    await expect(pull('typed')).rejects.toMatchObject({ code: 'SECRET_NOT_ALLOWED' });
    // The maintainer decides the listener is the broker now (here: back to the real one, re-bound).
    await updateDatasetManifest({ store: env.store, dataset: defaultWorkspaceKey('typed'), manifest: mqttManifest({ name: 'typed', port: env.broker.port, ...m, password: '${{ env.MQTT_PASSWORD }}' }) });
    expect(await env.store.secrets.bind({ workspaceId: DEFAULT_WORKSPACE_ID, datasetId: id, name: 'MQTT_PASSWORD', brokers: [`mqtt://localhost:${env.broker.port}`] })).toBe(true);
    await expect(pull('typed')).rejects.toMatchObject({ code: 'SECRET_NOT_ALLOWED' }); // 127.0.0.1 is not "localhost": endpoints are compared as written
    await env.store.secrets.bind({ workspaceId: DEFAULT_WORKSPACE_ID, datasetId: id, name: 'MQTT_PASSWORD', brokers: [`mqtt://127.0.0.1:${env.broker.port}`] });
    expect(await pull('typed')).toMatchObject({ status: 'up_to_date' });
    expect(listener.text()).not.toContain(SECRETS.MQTT_PASSWORD);
  });
});
