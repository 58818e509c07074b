import net from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { createDeviceCredential } from '../../lib/devices/create-device-credential';
import { ZNewDeviceCredential } from '../../lib/devices/device-credential';
import { startDeviceEndpoint, type DeviceEndpoint, type DeviceEndpointOptions } from '../../lib/device-endpoint/device-endpoint';
import type { InboxBatch } from '../../lib/device-endpoint/ports';
import type { Store } from '../../lib/store/open-store';

/** What the device endpoint's integration tests share: a second workspace, credentials, clients. */
export const ACME = { id: 'acme-id', slug: 'acme' };

export function startTestEndpoint(store: Store, opts: Partial<DeviceEndpointOptions> = {}): Promise<DeviceEndpoint> {
  return startDeviceEndpoint({ store: store.devices, port: 0, wsPort: 0, checkEveryMs: 100, ...opts });
}

export function testCredential(store: Store, workspaceId: string, name: string, extra: { allowedFilters?: string[] } = {}) {
  return createDeviceCredential({ devices: store.devices, workspaceId, input: ZNewDeviceCredential.parse({ name, ...extra }) });
}

/** A store whose inbox commits wait for `open()` after `close()`, and can be made to fail (the real commit runs otherwise). */
export function gatedStore(store: Store) {
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const calls: InboxBatch[] = [];
  let fail: Error | undefined;
  const devices = Object.create(store.devices) as Store['devices'];
  devices.appendInbox = async (batch) => {
    calls.push(batch);
    await gate;
    if (fail) throw fail;
    return store.devices.appendInbox(batch);
  };
  return {
    devices,
    calls,
    close() {
      gate = new Promise((resolve) => (release = resolve));
    },
    open: () => release(),
    failWith(err: Error | undefined) {
      fail = err;
    },
  };
}

/** An mqtt.js device connection; rejects with the CONNACK's error. */
export function connectDevice(url: string, username: string, password: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { username, password, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

export interface RawDevice {
  socket: net.Socket;
  send(p: Packet): void;
  /** The next packet of that kind the server sent; rejects when the connection closes first. */
  next(cmd: string): Promise<Packet>;
  closed: Promise<void>;
  end(): void;
}

/** A raw MQTT 5 client: writes packets mqtt.js would refuse to build, reads what the server answers. */
export async function rawDevice(port: number): Promise<RawDevice> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const got: Packet[] = [];
  const waiters: (() => void)[] = [];
  parser.on('packet', (p: Packet) => {
    got.push(p);
    for (const w of waiters.splice(0)) w();
  });
  socket.on('data', (b) => parser.parse(b));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => undefined);
  return {
    socket,
    send: (p) => socket.write(mqttPacket.generate(p, { protocolVersion: 5 })),
    async next(cmd) {
      for (;;) {
        const i = got.findIndex((p) => p.cmd === cmd);
        if (i >= 0) return got.splice(i, 1)[0];
        await Promise.race([new Promise<void>((r) => waiters.push(r)), closed.then(() => Promise.reject(new Error(`closed before ${cmd}`)))]);
      }
    },
    closed,
    end: () => socket.destroy(),
  };
}

