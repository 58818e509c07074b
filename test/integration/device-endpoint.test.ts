import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { type DeviceEndpoint, type DeviceEndpointOptions } from '../../lib/device-endpoint/device-endpoint';
import type { Store } from '../../lib/store/open-store';
import { FailedAuthLimiter } from '../../lib/device-endpoint/failed-auth-limiter';
import { pushOverHttp, type HttpPush } from '../../lib/devices/push-over-http';
import { mqttManifest, pushManifest } from '../support/manifests';
import { createTestStore } from '../support/test-store';
import { ACME, connectDevice, gatedStore, rawDevice, startTestEndpoint, testCredential } from '../support/device-endpoint';
import { until } from '../support/until';

let store: Store;

beforeAll(async () => {
  store = await createTestStore();
  await store.prisma.organization.create({ data: { id: ACME.id, name: 'Acme', slug: ACME.slug } });
  await addDataset({ store, manifest: pushManifest('sensors') });
  await addDataset({ store, manifest: pushManifest('private') });
  await addDataset({ store, manifest: pushManifest('acme/sensors'), workspaceFor: async () => ACME });
  await addDataset({ store, manifest: mqttManifest({ name: 'pulled', port: 1883, topics: [{ path: 'pulled/#' }] }) });
});
afterAll(() => store?.close());

const endpoint = (opts: Partial<DeviceEndpointOptions> = {}) => startTestEndpoint(store, opts);
const credential = (workspaceId: string, name: string, extra: { allowedFilters?: string[] } = {}) => testCredential(store, workspaceId, name, extra);
const connect = connectDevice;

function publish(c: MqttClient, topic: string, payload: string, qos: 0 | 1 | 2): Promise<void> {
  return new Promise((resolve, reject) => c.publish(topic, payload, { qos }, (err) => (err ? reject(err) : resolve())));
}

const closed = (c: MqttClient) => new Promise<void>((resolve) => (c.disconnected || !c.connected ? resolve() : c.once('close', () => resolve())));

async function inbox(topic: string): Promise<{ dataset_id: string; payload: Buffer; qos: number }[]> {
  return (await store.prisma.$queryRawUnsafe(`SELECT dataset_id, payload, qos FROM device_inbox WHERE topic = $1 ORDER BY id`, topic)) as never;
}

async function datasetId(workspaceId: string, name: string): Promise<string> {
  return (await store.prisma.dataset.findUniqueOrThrow({ where: { workspaceId_name: { workspaceId, name } } })).id;
}

const line = (v: number) => JSON.stringify({ event_time: '2026-01-01T00:00:00Z', device: 'd', value: v });

describe('[DEVICES] the publish-only endpoint stores before it acknowledges', () => {
  it('sends a QoS 1 PUBACK only once the inbox row committed, and none when the commit fails', async () => {
    const gated = gatedStore(store);
    const ep = await endpoint({ store: gated.devices });
    const { credential: cred, secret } = await credential('default', 'qos1');
    const c = await connect(ep.url, cred.username, secret, { protocolVersion: 5 });
    try {
      gated.close();
      let acked = false;
      const acknowledged = publish(c, 'sensors/a', line(1), 1).then(() => (acked = true));
      await until(() => gated.calls.some((b) => b.messages.some((m) => m.topic === 'sensors/a')));
      // The SUBACK is answered at once and leaves after any PUBACK the server had sent before it.
      await new Promise((resolve) => c.subscribe('x', () => resolve(undefined)));
      expect(acked).toBe(false);
      expect(await inbox('sensors/a')).toHaveLength(0);
      gated.open();
      await acknowledged;
      const rows = await inbox('sensors/a');
      expect(rows.map((r) => [r.dataset_id, Buffer.from(r.payload).toString(), r.qos])).toEqual([[await datasetId('default', 'sensors'), line(1), 1]]);

      gated.failWith(new Error('disk full'));
      const failed = publish(c, 'sensors/b', line(2), 1);
      failed.catch(() => undefined);
      await closed(c);
      expect(await inbox('sensors/b')).toHaveLength(0);
    } finally {
      c.end(true);
      await ep.close();
    }
  });

  it('stores a QoS 0 message as received', async () => {
    const ep = await endpoint();
    const { credential: cred, secret } = await credential('default', 'qos0');
    const c = await connect(ep.url, cred.username, secret);
    try {
      await publish(c, 'sensors/q0', line(0), 0);
      await until(async () => (await inbox('sensors/q0')).length === 1);
    } finally {
      c.end(true);
      await ep.close();
    }
  });

  it('stores a QoS 2 message once when the device redelivers it after a server restart, until its PUBREL', async () => {
    const gated = gatedStore(store);
    let ep = await endpoint({ store: gated.devices });
    const port = ep.port;
    const { credential: cred, secret } = await credential('default', 'qos2');
    const c = await connect(ep.url, cred.username, secret, { clean: false, clientId: 'qos2-device', reconnectPeriod: 50 });
    try {
      gated.close();
      const delivered = publish(c, 'sensors/q2', line(2), 2);
      await until(() => gated.calls.some((b) => b.messages.some((m) => m.topic === 'sensors/q2')));
      // The connection drops before the PUBREC; the commit lands; the server restarts.
      c.stream.destroy();
      gated.open();
      await until(async () => (await inbox('sensors/q2')).length === 1);
      await ep.close();
      ep = await endpoint({ port });
      // mqtt.js reconnects with the same session and sends the PUBLISH again (DUP).
      await delivered;
      expect(await inbox('sensors/q2')).toHaveLength(1);
      expect(await store.prisma.deviceQos2Receipt.count({ where: { credentialId: cred.id } })).toBe(0);
      // After the PUBREL the packet id is free: the same id again is a new message.
      await publish(c, 'sensors/q2', line(3), 2);
      expect((await inbox('sensors/q2')).map((r) => Buffer.from(r.payload).toString())).toEqual([line(2), line(3)]);
    } finally {
      c.end(true);
      await ep.close();
    }
  });

  it('stores a new QoS 2 message under a packet id a rebooted device reused, and still not a redelivery of it, across endpoint restarts', async () => {
    let ep = await endpoint();
    const port = ep.port;
    const { credential: cred, secret } = await credential('default', 'rebooted');
    const connectPacket = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, clientId: 'rebooted-device', keepalive: 0, username: cred.username, password: Buffer.from(secret) } as const;
    const publishPacket = (v: number, dup = false) => ({ cmd: 'publish', topic: 'sensors/reboot', payload: Buffer.from(line(v)), qos: 2, messageId: 1, retain: false, dup }) as const;
    let c = await rawDevice(ep.port);
    /** The device goes, the endpoint restarts (the session's receipts are loaded from the store), the device connects again. */
    const restartAndReconnect = async () => {
      c.end();
      await ep.close();
      ep = await endpoint({ port });
      c = await rawDevice(ep.port);
      c.send(connectPacket);
      return c.next('connack');
    };
    try {
      c.send(connectPacket);
      await c.next('connack');
      c.send(publishPacket(4));
      await c.next('pubrec');
      // The device reboots before its PUBREL and forgets the exchange, but keeps its persistent session.
      expect(await restartAndReconnect()).toMatchObject({ sessionPresent: true });
      // Its ids start again at 1: a new message under the receipted id (it was acknowledged and dropped before).
      c.send(publishPacket(5));
      await c.next('pubrec');
      // That message again, after another restart (its receipt replaced the stored one), is a redelivery, stored once.
      await restartAndReconnect();
      c.send(publishPacket(5, true));
      await c.next('pubrec');
      c.send({ cmd: 'pubrel', messageId: 1 });
      await c.next('pubcomp');
      expect((await inbox('sensors/reboot')).map((r) => Buffer.from(r.payload).toString())).toEqual([line(4), line(5)]);
      expect(await store.prisma.deviceQos2Receipt.count({ where: { credentialId: cred.id } })).toBe(0);
    } finally {
      c.end();
      await ep.close();
    }
  });

  it('stores a QoS 2 message whose first commit failed when the device sends it again (its receipt went with the commit)', async () => {
    const gated = gatedStore(store);
    const ep = await endpoint({ store: gated.devices });
    const { credential: cred, secret } = await credential('default', 'failed-commit');
    const connectPacket = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, clientId: 'failed-commit-device', keepalive: 0, username: cred.username, password: Buffer.from(secret) } as const;
    const publishPacket = (dup: boolean) => ({ cmd: 'publish', topic: 'sensors/failed', payload: Buffer.from(line(6)), qos: 2, messageId: 1, retain: false, dup }) as const;
    let c = await rawDevice(ep.port);
    try {
      c.send(connectPacket);
      await c.next('connack');
      gated.failWith(new Error('the database is away'));
      c.send(publishPacket(false));
      await c.closed; // a failed commit closes the connection, acknowledging nothing
      gated.failWith(undefined);
      // Before, the receipt of the commit that failed answered the resend, and closed every connection.
      c = await rawDevice(ep.port);
      c.send(connectPacket);
      await c.next('connack');
      c.send(publishPacket(true));
      await c.next('pubrec');
      expect((await inbox('sensors/failed')).map((r) => Buffer.from(r.payload).toString())).toEqual([line(6)]);
    } finally {
      c.end();
      await ep.close();
    }
  });

  it('closes a connection that sends another QoS 2 message under a packet id it has not released (MQTT 5: 0x82)', async () => {
    const ep = await endpoint();
    const { credential: cred, secret } = await credential('default', 'reuser');
    const c = await rawDevice(ep.port);
    try {
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, clientId: 'reuser-device', keepalive: 0, username: cred.username, password: Buffer.from(secret) });
      await c.next('connack');
      const publish = (v: number) => c.send({ cmd: 'publish', topic: 'sensors/reused', payload: Buffer.from(line(v)), qos: 2, messageId: 1, retain: false, dup: false });
      publish(7);
      await c.next('pubrec');
      publish(8); // before any PUBREL
      const stored = c.next('pubrec'); // what answered it before
      stored.catch(() => undefined);
      expect(await Promise.race([c.next('disconnect'), stored])).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 });
      expect((await inbox('sensors/reused')).map((r) => Buffer.from(r.payload).toString())).toEqual([line(7)]);
    } finally {
      c.end();
      await ep.close();
    }
  });

  it("keeps the later of two receipts a group commit takes under one session's packet id (one statement cannot upsert a row twice)", async () => {
    const receipt = (digest: string) => ({ credentialId: 'c-twice', clientId: 'k', packetId: 3, digest });
    await store.devices.appendInbox({ messages: [], receipts: [receipt('first'), receipt('second')], releases: [] });
    expect(await store.devices.loadQos2Receipts('c-twice', 'k')).toEqual(new Map([[3, 'second']]));
    // A release in the same group commit ends the committed receipt, not the newer one under its id.
    await store.devices.appendInbox({ messages: [], receipts: [receipt('third')], releases: [{ credentialId: 'c-twice', clientId: 'k', packetId: 3 }] });
    expect(await store.devices.loadQos2Receipts('c-twice', 'k')).toEqual(new Map([[3, 'third']]));
  });
});

describe('[DEVICES] what a device may not do', () => {
  let ep: DeviceEndpoint;
  beforeAll(async () => {
    ep = await endpoint({ limits: { maxPacketBytes: 1024 }, failedAuth: { max: 3, windowMs: 60_000 } });
  });
  afterAll(() => ep?.close());

  it('refuses every subscription', async () => {
    const { credential: cred, secret } = await credential('default', 'sub');
    for (const protocolVersion of [4, 5] as const) {
      const c = await connect(ep.url, cred.username, secret, { protocolVersion });
      // mqtt.js reports a failure code in a SUBACK as an error holding the SUBACK.
      const err = await new Promise<(Error & { packet?: { granted: number[] } }) | null>((resolve) => c.subscribe('sensors/#', { qos: 1 }, (e) => resolve(e ?? null)));
      c.end(true);
      expect(err?.packet?.granted).toEqual([protocolVersion === 5 ? 0x87 : 0x80]);
    }
  });

  it('refuses topics outside the allowed filters or without a push dataset (MQTT 5: reason code; 3.1.1: disconnect) and counts them', async () => {
    const { credential: cred, secret } = await credential('default', 'narrow', { allowedFilters: ['sensors/+/temp'] });
    const c5 = await connect(ep.url, cred.username, secret, { protocolVersion: 5 });
    await expect(publish(c5, 'sensors/x/humidity', line(1), 1)).rejects.toMatchObject({ code: 0x87 });
    await expect(publish(c5, 'elsewhere/x', line(1), 2)).rejects.toMatchObject({ code: 0x87 });
    await publish(c5, 'sensors/x/temp', line(1), 1);
    c5.end(true);
    const { credential: open, secret: openSecret } = await credential('default', 'open');
    const c5b = await connect(ep.url, open.username, openSecret, { protocolVersion: 5 });
    await expect(publish(c5b, 'nothing/here', line(1), 1)).rejects.toMatchObject({ code: 0x90 });
    c5b.end(true);
    const c4 = await connect(ep.url, cred.username, secret, { protocolVersion: 4 });
    publish(c4, 'sensors/x/humidity', line(1), 1).catch(() => undefined);
    await closed(c4);
    c4.end(true);
    expect(await inbox('sensors/x/humidity')).toHaveLength(0);
    await until(async () => (await store.devices.list('default')).find((d) => d.id === cred.id)!.refusals >= 3);
    const shown = (await store.devices.list('default')).find((d) => d.id === cred.id)!;
    expect(shown.lastRefusal).toMatch(/outside the credential's allowed filters/);
    expect(shown.messages).toBe(1);
  });

  it('never lets a credential of one workspace write another workspace\'s dataset', async () => {
    const { credential: cred, secret } = await credential(ACME.id, 'acme-device');
    const c = await connect(ep.url, cred.username, secret, { protocolVersion: 5 });
    try {
      await publish(c, 'sensors/cross', line(1), 1);
      expect((await inbox('sensors/cross')).map((r) => r.dataset_id)).toEqual([await datasetId(ACME.id, 'sensors')]);
      // "private" is a push dataset of the default workspace only.
      await expect(publish(c, 'private/x', line(1), 1)).rejects.toMatchObject({ code: 0x90 });
      expect(await inbox('private/x')).toHaveLength(0);
    } finally {
      c.end(true);
    }
  });

  it('closes the connections of a revoked credential and refuses revoked and expired ones', async () => {
    const { credential: cred, secret } = await credential('default', 'to-revoke');
    const c = await connect(ep.url, cred.username, secret, { protocolVersion: 5 });
    await store.devices.revoke('default', cred.id, new Date());
    await closed(c);
    c.end(true);
    await expect(connect(ep.url, cred.username, secret, { protocolVersion: 5 })).rejects.toMatchObject({ code: 0x87 });
    const { credential: old, secret: oldSecret } = await credential('default', 'expired');
    await store.prisma.deviceCredential.update({ where: { id: old.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(connect(ep.url, old.username, oldSecret, { protocolVersion: 4 })).rejects.toMatchObject({ code: 5 });
  });

  it('closes the connection of a packet over the size limit', async () => {
    const { credential: cred, secret } = await credential('default', 'big');
    // MQTT 3.1.1: the client does not know the limit, so the server must enforce it.
    const c = await connect(ep.url, cred.username, secret, { protocolVersion: 4 });
    publish(c, 'sensors/big', 'x'.repeat(2000), 1).catch(() => undefined);
    await closed(c);
    c.end(true);
    expect(await inbox('sensors/big')).toHaveLength(0);
  });

  it('refuses an address after repeated wrong secrets, even with the right one', async () => {
    const { credential: cred, secret } = await credential('default', 'guessed');
    for (let i = 0; i < 3; i++) await expect(connect(ep.url, cred.username, 'wrong', { protocolVersion: 5 })).rejects.toMatchObject({ code: 0x86 });
    await expect(connect(ep.url, cred.username, secret, { protocolVersion: 5 })).rejects.toMatchObject({ code: 0x9f });
  });
});

describe('[DEVICES] HTTP push (POST /api/w/<ws>/datasets/<name>/ingest)', () => {
  it('stores a body that reads, and refuses with the reason otherwise', async () => {
    const { credential: cred, secret } = await credential('default', 'http');
    const limiter = new FailedAuthLimiter(3, 60_000);
    const push = (over: Partial<HttpPush>) =>
      pushOverHttp({ store, limiter, address: '10.0.0.1', workspaceSlug: 'default', datasetName: 'sensors', authorization: `Bearer ${cred.username}:${secret}`, body: Buffer.from(line(7)), maxBytes: 1024, ...over });
    expect(await push({ topic: 'sensors/http' })).toEqual({ stored: 1 });
    expect((await inbox('sensors/http')).map((r) => Buffer.from(r.payload).toString())).toEqual([line(7)]);
    await expect(push({ topic: 'sensors/http', body: Buffer.from('{"value": "not a number"') })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/does not read as NdJson/) });
    await expect(push({ datasetName: 'pulled' })).rejects.toMatchObject({ code: 'NOT_A_PUSH_DATASET' });
    await expect(push({ topic: 'other/x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(push({ body: Buffer.alloc(2000, 'x') })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // Another workspace's dataset of the same name does not exist for this credential.
    await expect(push({ workspaceSlug: ACME.slug })).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });
    expect(await inbox('sensors')).toHaveLength(0);
    for (let i = 0; i < 3; i++) await expect(push({ authorization: `Bearer ${cred.username}:wrong` })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(push({})).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await store.devices.revoke('default', cred.id, new Date());
    await expect(push({ address: '10.0.0.2' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/revoked/) });
  });
});
