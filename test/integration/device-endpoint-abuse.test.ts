/**
 * Abuse of the device endpoint (found by an attack review): each test asserts the secure behaviour
 * against a hostile device or client.
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import type { DeviceEndpointOptions } from '../../lib/device-endpoint/device-endpoint';
import type { Store } from '../../lib/store/open-store';
import { FailedAuthLimiter } from '../../lib/device-endpoint/failed-auth-limiter';
import { pushOverHttp } from '../../lib/devices/push-over-http';
import { foldInbox } from '../../lib/ingest/fold-inbox';
import { datasetKey } from '../../lib/datasets/dataset-key';
import { pushManifest } from '../support/manifests';
import { createTestStore } from '../support/test-store';
import { ACME, connectDevice, gatedStore, rawDevice, startTestEndpoint, testCredential } from '../support/device-endpoint';
import { until } from '../support/until';

let store: Store;

beforeAll(async () => {
  store = await createTestStore();
  await store.prisma.organization.create({ data: { id: ACME.id, name: 'Acme', slug: ACME.slug } });
  await addDataset({ store, manifest: pushManifest('sensors') });
  await addDataset({ store, manifest: pushManifest('acme/sensors'), workspaceFor: async () => ACME });
});
afterAll(() => store?.close());

const endpoint = (opts: Partial<DeviceEndpointOptions> = {}) => startTestEndpoint(store, opts);
const credential = (workspaceId: string, name: string) => testCredential(store, workspaceId, name);
const connect = connectDevice;
const raw = rawDevice;

/** A victim in workspace ACME on mqtt.js and an attacker of "default" on a raw MQTT 5 socket, both connected. */
async function attackerAndVictim(port: number, url: string, name: string) {
  const attacker = await credential('default', `${name}-attacker`);
  const victim = await credential(ACME.id, `${name}-victim`);
  const v = await connect(url, victim.credential.username, victim.secret, { protocolVersion: 5 });
  const a = await raw(port);
  a.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: `${name}-atk`, keepalive: 0, username: attacker.credential.username, password: Buffer.from(attacker.secret) });
  await a.next('connack');
  return { a, v, victim };
}

const line = (v: number) => JSON.stringify({ event_time: '2026-01-01T00:00:00Z', device: 'd', value: v });

describe('device endpoint under abuse', () => {
  it('an upgrade request whose target is no URL ("//[") is answered 400, and the endpoint lives on', async () => {
    const ep = await endpoint();
    try {
      const ask = (target: string) =>
        new Promise<string>((resolve) => {
          let got = '';
          const s = net.connect(ep.wsPort, '127.0.0.1', () =>
            s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`),
          );
          s.on('data', (b) => (got += b.toString()));
          s.on('error', () => undefined);
          s.on('close', () => resolve(got));
        });
      expect(await ask('//[')).toMatch(/^HTTP\/1\.1 400/);
      expect(await ask('/nowhere')).toMatch(/^HTTP\/1\.1 404/);
    } finally {
      await ep.close();
    }
  });


  it('a device of workspace "default" publishing a NUL topic must not make another workspace\'s message fail', async () => {
    const gated = gatedStore(store);
    const logs: string[] = [];
    const ep = await endpoint({ store: gated.devices, log: (l) => logs.push(l) });
    const { a, v } = await attackerAndVictim(ep.port, ep.url, 'nul');
    try {
      // Hold the group commit so the next messages of both tenants share one batch (under load they do anyway).
      gated.close();
      a.send({ cmd: 'publish', topic: 'sensors/prime', payload: Buffer.from(line(0)), qos: 0, retain: false, dup: false });
      await until(() => gated.calls.length === 1);
      let victimError: Error | undefined;
      const victimAck = new Promise<void>((resolve) => v.publish('sensors/victim', line(1), { qos: 1 }, (err) => ((victimError = err ?? undefined), resolve())));
      a.send({ cmd: 'publish', topic: 'sensors/\u0000', payload: Buffer.from(line(2)), qos: 0, retain: false, dup: false });
      await new Promise((r) => setTimeout(r, 100)); // both queued behind the held commit
      gated.open();
      await Promise.race([victimAck, new Promise<void>((r) => v.once('close', () => r()))]);
      // Secure: the victim's message (another workspace) is stored and acknowledged.
      expect(victimError).toBeUndefined();
      expect(v.connected, logs.join('\n')).toBe(true);
      const rows = (await store.prisma.$queryRawUnsafe(`SELECT count(*)::int AS n FROM device_inbox WHERE topic = 'sensors/victim' AND workspace_id = $1`, ACME.id)) as { n: number }[];
      expect(rows[0].n).toBe(1);
    } finally {
      v.end(true);
      a.end();
      await ep.close();
    }
  });

  it('QoS 0 messages must not be read faster than they commit (maxInflight does not bound them)', async () => {
    const gated = gatedStore(store);
    const ep = await endpoint({ store: gated.devices, limits: { maxInflight: 10 } });
    const { credential: cred, secret } = await credential('default', 'qos0-flood');
    const c = await connect(ep.url, cred.username, secret, { protocolVersion: 5 });
    try {
      gated.close(); // the database is "slow": nothing commits
      const payload = Buffer.alloc(16 * 1024, 0x41); // 16 KiB each; 256 KiB is allowed
      for (let i = 0; i < 300; i++) c.publish('sensors/flood', payload, { qos: 0 });
      // The endpoint counts each message it queued (flushed to the credential every 100 ms).
      const counted = async () => Number((await store.prisma.deviceCredential.findUniqueOrThrow({ where: { id: cred.id } })).messages);
      await until(async () => (await counted()) >= 10); // the limit is reached
      await new Promise((r) => setTimeout(r, 500));
      // Secure: with nothing committed, at most ~maxInflight messages are held in memory.
      expect(await counted()).toBeLessThanOrEqual(10 + 5);
    } finally {
      gated.open();
      c.end(true);
      await ep.close();
    }
  });

  it('concurrent wrong-secret CONNECTs must not all be checked (failed-auth limit of 10)', async () => {
    const ep = await endpoint({ failedAuth: { max: 10, windowMs: 60_000 } });
    const { credential: cred } = await credential('default', 'bruteforced');
    const clients = await Promise.all(Array.from({ length: 30 }, () => raw(ep.port)));
    try {
      for (const [i, c] of clients.entries()) {
        c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: `g${i}`, keepalive: 0, username: cred.username, password: Buffer.from(`guess-${i}`) });
      }
      const codes = await Promise.all(clients.map(async (c) => ((await c.next('connack')) as { reasonCode?: number }).reasonCode));
      const checked = codes.filter((r) => r === 0x86).length; // bad user name or password: the secret was hashed and compared
      // Secure: at most 10 guesses per window are checked; the rest are refused as rate-limited (0x9f).
      expect(checked).toBeLessThanOrEqual(10);
    } finally {
      for (const c of clients) c.end();
      await ep.close();
    }
  });

  it('before CONNECT an address gets few connections and small packets', async () => {
    const ep = await endpoint({ limits: { unauthenticatedPerAddress: 2, maxConnectBytes: 1024 } });
    const sockets = await Promise.all([raw(ep.port), raw(ep.port)]);
    try {
      const third = await raw(ep.port);
      await third.closed; // a third unauthenticated connection of 127.0.0.1 is closed at once
      const big = sockets[0];
      // A CONNECT declaring 2 KiB (over the 1 KiB pre-authentication limit) is refused from its header.
      big.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'x'.repeat(2048), keepalive: 0 });
      await big.closed;
    } finally {
      for (const c of sockets) c.end();
      await ep.close();
    }
  });

  it('persistent sessions with unreleased QoS 2 receipts must be bounded per credential', async () => {
    const ep = await endpoint({ limits: { qos2SessionsPerCredential: 10 } });
    const { credential: cred, secret } = await credential('default', 'receipt-hoarder');
    const refused: number[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const c = await raw(ep.port);
        c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, clientId: `hoard-${i}`, keepalive: 0, username: cred.username, password: Buffer.from(secret) });
        const ack = (await c.next('connack')) as { reasonCode?: number };
        if (ack.reasonCode) {
          refused.push(ack.reasonCode);
          await c.closed;
          continue;
        }
        for (let id = 1; id <= 5; id++) c.send({ cmd: 'publish', topic: 'sensors/h', payload: Buffer.from(line(id)), qos: 2, messageId: id, retain: false, dup: false });
        for (let id = 1; id <= 5; id++) await c.next('pubrec'); // never PUBREL
        c.end();
        await c.closed;
      }
      const rows = (await store.prisma.$queryRawUnsafe(`SELECT count(*)::int AS n FROM device_qos2_receipt WHERE credential_id = $1`, cred.id)) as { n: number }[];
      // Secure: some cap (session count or expiry) bounds what one credential leaves behind. 200 rows here, unbounded in general
      // (65535 ids × any number of client ids), and each such session's state also stays in SessionRegistry's in-memory map.
      expect(rows[0].n).toBe(10 * 5);
      expect(refused).toEqual(Array(30).fill(0x97)); // quota exceeded
    } finally {
      await ep.close();
    }
  });

  it('concurrent wrong-secret HTTP pushes must not all be checked (failed-auth limit of 10)', async () => {
    const { credential: cred } = await credential('default', 'http-bruteforced');
    const limiter = new FailedAuthLimiter(10, 60_000);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        pushOverHttp({ store, limiter, address: '10.9.9.9', workspaceSlug: 'default', datasetName: 'sensors', authorization: `Bearer ${cred.username}:guess-${i}`, body: Buffer.from(line(1)), maxBytes: 1024 }),
      ),
    );
    const checked = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'UNAUTHENTICATED').length;
    expect(checked).toBeLessThanOrEqual(10);
  });

  it('a push dataset the fold can never fold (preprocess) must not acknowledge device messages', async () => {
    const manifest = pushManifest('prep').replace('      merge:', `      preprocess:\n        kind: Sql\n        engine: datafusion\n        query: SELECT * FROM input\n      merge:`);
    await addDataset({ store, manifest });
    const ep = await endpoint();
    const { credential: cred, secret } = await credential('default', 'prep-device');
    const c = await connect(ep.url, cred.username, secret, { protocolVersion: 5 });
    try {
      const acked = await new Promise<boolean>((resolve) => c.publish('prep/x', line(1), { qos: 1 }, (err) => resolve(!err)));
      const fold = await foldInbox({ store: store.ingest, dataset: datasetKey('default', 'prep') }).then(
        () => 'folded',
        (err: Error) => err.message,
      );
      // Secure: either the message is refused, or it can be folded. Here it is acknowledged ("durable") and can never be folded:
      // the inbox of such a dataset grows without bound and every round of the folder fails on it.
      expect({ acked, fold }).not.toEqual({ acked: true, fold: expect.stringMatching(/preprocess/) });
    } finally {
      c.end(true);
      await ep.close();
    }
  });

  it('a refusal reason holding a NUL (from the topic) must not lose every credential\'s counts', async () => {
    const logs: string[] = [];
    const ep = await endpoint({ log: (l) => logs.push(l) });
    const { a, v, victim } = await attackerAndVictim(ep.port, ep.url, 'count');
    try {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => v.publish('sensors/counted', line(i), { qos: 1 }, (err) => (err ? reject(err) : resolve())));
        // Refused (no push dataset receives it): the reason, with the topic in it, goes to the credential's last_refusal.
        a.send({ cmd: 'publish', topic: 'nowhere/\u0000', payload: Buffer.from('x'), qos: 1, messageId: i + 1, retain: false, dup: false });
        await a.next('puback');
      }
      await new Promise((r) => setTimeout(r, 400)); // a few flushes (checkEveryMs 100)
      const counted = Number((await store.prisma.deviceCredential.findUniqueOrThrow({ where: { id: victim.credential.id } })).messages);
      expect(counted, logs.join('\n')).toBe(3);
    } finally {
      v.end(true);
      a.end();
      await ep.close();
    }
  });

  it('a device that never reads its answers must not make the endpoint buffer them without bound', async () => {
    // The server's side of the connection, seen through its writes: how much it ever held unsent.
    const server: { socket?: net.Socket; maxUnsent: number } = { maxUnsent: 0 };
    const write = net.Socket.prototype.write;
    let port = -1;
    const spy = vi.spyOn(net.Socket.prototype, 'write').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      const ok = (write as (...a: unknown[]) => boolean).apply(this, args);
      if (this.localPort === port) {
        server.socket = this;
        server.maxUnsent = Math.max(server.maxUnsent, this.writableLength);
      }
      return ok;
    });
    const ep = await endpoint({ limits: { messagesPerSecond: 1e9 } });
    port = ep.port;
    const { credential: cred, secret } = await credential('default', 'never-reads');
    const c = await raw(ep.port);
    try {
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'deaf', keepalive: 0, username: cred.username, password: Buffer.from(secret) });
      await c.next('connack');
      c.socket.pause(); // never reads again
      // SUBSCRIBEs of 16,000 filters each: every one is answered by a 16 KB SUBACK of failure codes (few packets, many bytes).
      const chunk = mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: Array.from({ length: 16_000 }, () => ({ topic: 'a', qos: 0 as const })) }, { protocolVersion: 5 });
      const cap = 64 * 1024 * 1024;
      // Secure: the endpoint stops reading (its writes blocked) or closes the connection, long before the cap.
      const stopped = () => !!server.socket && (server.socket.destroyed || (server.socket.isPaused() && server.socket.writableNeedDrain));
      let sent = 0;
      while (sent < cap && !stopped()) {
        sent += chunk.length;
        if (!c.socket.write(chunk)) await Promise.race([new Promise((r) => c.socket.once('drain', r)), until(stopped), c.closed]);
      }
      expect(stopped()).toBe(true);
      expect(server.maxUnsent).toBeLessThanOrEqual(1024 * 1024 + 64);
    } finally {
      spy.mockRestore();
      c.end();
      await ep.close();
    }
  });

  it('a device silent after CONNECT is disconnected once its keep-alive passes (MQTT 3.1.2.10), not held open', async () => {
    const ep = await endpoint();
    const { credential: cred, secret } = await credential('default', 'silent');
    const c = await raw(ep.port);
    try {
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'silent', keepalive: 1, username: cred.username, password: Buffer.from(secret) });
      await c.next('connack');
      // Never sends another packet: the endpoint says why and closes (the test's timeout bounds the wait).
      const disconnect = await c.next('disconnect');
      expect(disconnect).toMatchObject({ reasonCode: 0x8d });
      await c.closed;
    } finally {
      c.end();
      await ep.close();
    }
  });
});
