/**
 * The live preview's relay takes its broker credentials from the same release rule as pulls
 * (lib/secrets/secret-release.ts): an editor who re-points a dataset, or creates one naming the
 * workspace's secrets, gets a relay to their host without any secret, TLS key included. Checked on
 * relayPolicyFor, what the relay connects with, against the real store.
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Auth } from '../../lib/auth/create-auth';
import { addDataset } from '../../lib/datasets/add-dataset';
import { DEFAULT_WORKSPACE_ID, defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { updateDatasetManifest } from '../../lib/datasets/update-dataset-manifest';
import { relayPolicyFor } from '../../lib/relay/relay-access';
import { useBrokerAndStore } from '../support/broker-and-store';
import { mqttManifest } from '../support/manifests';

const env = useBrokerAndStore({ users: { device: 'relay-Pa55word' } });
const SECRETS = { MQTT_PASSWORD: 'relay-Pa55word', API_TOKEN: 'api-T0ken-relay', MQTT_TLS_CERT: 'cert-pem-relay', MQTT_TLS_KEY: '-----BEGIN PRIVATE KEY-----relay' };
/** A port nothing listens on: the policy is decided before any connection, so none is needed. */
const EDITORS_PORT = 1;
let editorId: string;

/** What the relay gets for an editor's upgrade request (the session is the editor's). */
function policyFor(dataset: string) {
  const req = { url: `/api/mqtt-relay?workspace=default&dataset=${encodeURIComponent(dataset)}`, headers: {} } as IncomingMessage;
  const auth = { api: { getSession: async () => ({ user: { id: editorId } }) } } as unknown as Auth;
  return relayPolicyFor(req, { store: env.store, auth });
}

beforeAll(async () => {
  editorId = randomUUID();
  const now = new Date();
  await env.store.prisma.user.create({ data: { id: editorId, name: 'editor', email: `editor-${editorId}@example.test`, emailVerified: false, createdAt: now, updatedAt: now } });
  await env.store.workspaces.addMember(DEFAULT_WORKSPACE_ID, editorId, 'editor');
});

describe('[SECRETS] the preview relay releases secrets only to their bound brokers', () => {
  it("a re-pointed dataset, or a new one naming workspace secrets, gets no password and no TLS key for the editor's host", async () => {
    const broker = `mqtt://127.0.0.1:${env.broker.port}`;
    const base = { topics: [{ path: 'relayed/#', qos: 'AtLeastOnce' as const }], username: 'device', password: '${{ env.MQTT_PASSWORD }}' };
    const { id } = await addDataset({ store: env.store, manifest: mqttManifest({ name: 'relayed', port: env.broker.port, ...base }) });
    await env.store.secrets.set({ workspaceId: DEFAULT_WORKSPACE_ID, datasetId: id, name: 'MQTT_PASSWORD', value: SECRETS.MQTT_PASSWORD, brokers: [broker] });
    for (const name of ['API_TOKEN', 'MQTT_TLS_CERT', 'MQTT_TLS_KEY'] as const) {
      await env.store.secrets.set({ workspaceId: DEFAULT_WORKSPACE_ID, name, value: SECRETS[name], brokers: [broker] });
    }
    // The bound broker gets its password and the client certificate.
    expect(await policyFor('relayed')).toMatchObject({ brokerUrl: broker, password: SECRETS.MQTT_PASSWORD, tls: { cert: SECRETS.MQTT_TLS_CERT, key: SECRETS.MQTT_TLS_KEY } });

    // The editor re-points it and keeps the template: refused before any connection.
    await updateDatasetManifest({ store: env.store, dataset: defaultWorkspaceKey('relayed'), manifest: mqttManifest({ name: 'relayed', port: EDITORS_PORT, ...base }) });
    await expect(policyFor('relayed')).rejects.toMatchObject({ code: 'SECRET_NOT_ALLOWED' });

    // A new dataset of the editor's asking for a workspace secret: refused too.
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'relayed2', port: EDITORS_PORT, ...base, password: '${{ env.API_TOKEN }}' }) });
    await expect(policyFor('relayed2')).rejects.toMatchObject({ code: 'SECRET_NOT_ALLOWED' });

    // Without a password template the relay connects, but with none of the TLS material.
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'relayed3', port: EDITORS_PORT, topics: base.topics }) });
    const bare = await policyFor('relayed3');
    expect(bare).toMatchObject({ brokerUrl: `mqtt://127.0.0.1:${EDITORS_PORT}`, password: undefined });
    expect(JSON.stringify(bare)).not.toMatch(/relay-Pa55word|api-T0ken|cert-pem|PRIVATE KEY/);
  });
});
