/**
 * What one device connection may make the endpoint hold: nothing read while a packet waits (its
 * CONNECT's authentication), and a session's unreleased QoS 2 messages within the receive maximum.
 */
import fs from 'node:fs';
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import type { Store } from '../../lib/store/open-store';
import { pushManifest } from '../support/manifests';
import { createTestPki } from '../support/tls-mosquitto';
import { createTestStore } from '../support/test-store';
import { connectDevice, rawDevice, startTestEndpoint, testCredential } from '../support/device-endpoint';
import { until } from '../support/until';

let store: Store;

beforeAll(async () => {
  store = await createTestStore();
  await addDataset({ store, manifest: pushManifest('sensors') });
});
afterAll(() => store?.close());

describe('device endpoint: what one connection may make it hold', () => {
  it('reads nothing more of a connection while its CONNECT is being authenticated', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const devices = Object.create(store.devices) as Store['devices'];
    devices.findDevice = async (username) => {
      await gate;
      return store.devices.findDevice(username);
    };
    // The endpoint's side of the connection, seen by its 'data' events.
    let port = -1;
    let server: net.Socket | undefined;
    const emit = net.Socket.prototype.emit;
    const spy = vi.spyOn(net.Socket.prototype, 'emit').mockImplementation(function (this: net.Socket, event: string | symbol, ...args: unknown[]) {
      if (event === 'data' && this.localPort === port) server = this;
      return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    });
    const ep = await startTestEndpoint(store, { store: devices });
    port = ep.port;
    const c = await rawDevice(ep.port);
    try {
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'flood', keepalive: 0, username: 'no-such-device', password: Buffer.from('x') });
      // PUBLISH packets within the pre-authentication size limit, 64 MiB of them, while the check waits.
      const chunk = Buffer.concat(Array.from({ length: 16 }, () => mqttPacket.generate({ cmd: 'publish', topic: 'sensors/x', payload: Buffer.alloc(15_000), qos: 0, retain: false, dup: false }, { protocolVersion: 5 })));
      const cap = 64 * 1024 * 1024;
      const stopped = () => !!server && server.isPaused() && c.socket.writableNeedDrain;
      let sent = 0;
      while (sent < cap && !stopped()) {
        sent += chunk.length;
        if (!c.socket.write(chunk)) await Promise.race([new Promise((r) => c.socket.once('drain', r)), until(stopped), c.closed]);
      }
      // Secure: the endpoint stopped reading (insecure: it decoded and queued all 64 MiB).
      expect(stopped()).toBe(true);
      expect(server!.bytesRead).toBeLessThan(8 * 1024 * 1024);
      open();
      await c.closed; // the unknown username is refused
    } finally {
      spy.mockRestore();
      open();
      c.end();
      await ep.close();
    }
  });

  for (const transport of ['WebSocket', 'TLS'] as const) {
    it(`over ${transport} too, an address gets few connections before CONNECT, also while its ${transport === 'TLS' ? 'handshake' : 'upgrade request'} is unfinished`, async () => {
      const pki = createTestPki();
      const ep = await startTestEndpoint(store, { limits: { unauthenticatedPerAddress: 2 }, tls: { port: 0, cert: fs.readFileSync(pki.certFile), key: fs.readFileSync(pki.keyFile) } });
      const port = transport === 'TLS' ? ep.tlsPort! : ep.wsPort;
      // An upgrade request never finished, or a TLS record header of a ClientHello whose body never comes.
      const partial = transport === 'TLS' ? Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]) : Buffer.from('GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
      const open = () => {
        const s = net.connect(port, '127.0.0.1', () => s.write(partial));
        s.on('error', () => undefined);
        return { socket: s, closed: new Promise<void>((resolve) => s.once('close', () => resolve())) };
      };
      const held = [open(), open()];
      try {
        await until(() => held.every((h) => h.socket.readyState === 'open'));
        await open().closed; // insecure: held open like the others, for as many as an address opens
        // The count is given back: a device connects once those close.
        for (const h of held) h.socket.destroy();
        await Promise.all(held.map((h) => h.closed));
        const { credential, secret } = await testCredential(store, 'default', `after-flood-${transport}`);
        const url = transport === 'TLS' ? ep.tlsUrl! : ep.wsUrl;
        const device = await connectDevice(url, credential.username, secret, { ca: pki.ca, rejectUnauthorized: true });
        await device.endAsync();
      } finally {
        for (const h of held) h.socket.destroy();
        await ep.close();
        pki.cleanup();
      }
    }, 30_000);
  }

  it('a session holds at most its receive maximum of unreleased QoS 2 messages (MQTT 5 §3.3.4: 0x93)', async () => {
    const ep = await startTestEndpoint(store, { limits: { maxInflight: 10 } });
    const { credential, secret } = await testCredential(store, 'default', 'qos2-hoarder');
    const c = await rawDevice(ep.port);
    try {
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, clientId: 'hoarder', keepalive: 0, username: credential.username, password: Buffer.from(secret) });
      expect(await c.next('connack')).toMatchObject({ reasonCode: 0, properties: expect.objectContaining({ receiveMaximum: 10 }) });
      // One after another, each acknowledged and never released (no PUBREL): only the first 10 may be kept.
      for (let id = 1; id <= 10; id++) {
        c.send({ cmd: 'publish', topic: 'sensors/q', payload: Buffer.from('{}'), qos: 2, messageId: id, retain: false, dup: false });
        await c.next('pubrec');
      }
      for (let id = 11; id <= 15; id++) c.send({ cmd: 'publish', topic: 'sensors/q', payload: Buffer.from('{}'), qos: 2, messageId: id, retain: false, dup: false });
      expect(await c.next('disconnect')).toMatchObject({ reasonCode: 0x93 });
      await c.closed;
      const rows = (await store.prisma.$queryRawUnsafe(`SELECT count(*)::int AS n FROM device_qos2_receipt WHERE credential_id = $1`, credential.id)) as { n: number }[];
      expect(rows[0].n).toBe(10);
    } finally {
      c.end();
      await ep.close();
    }
  }, 60_000);
});
