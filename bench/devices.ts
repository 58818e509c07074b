/**
 * bench:devices — the device endpoint's figures (issue 14): the highest sustained QoS 1 rate that
 * is acknowledged (every PUBACK means committed to the inbox) with 100 and 1,000 device
 * connections, PUBACK latency p50/p99 at a paced 5,000 msg/s, and the server's heap and RSS growth
 * for 1,000 idle connections. Real PostgreSQL on a free port; devices are mqtt.js clients (idle
 * connections: raw sockets with a CONNECT from mqtt-packet, so client memory stays out of the
 * figure). Prints figures; asserts nothing.
 */
import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { addDataset } from '../lib/datasets/add-dataset';
import { createDeviceCredential } from '../lib/devices/create-device-credential';
import { ZNewDeviceCredential } from '../lib/devices/device-credential';
import { startDeviceEndpoint } from '../lib/device-endpoint/device-endpoint';
import { openStore } from '../lib/store/open-store';
import { pushManifest } from '../test/support/manifests';
import { startPostgres } from '../test/support/postgres-server';
import { benchPayload } from './support';

const server = await startPostgres();
const store = await openStore({ databaseUrl: server.adminUrl });
await addDataset({ store, manifest: pushManifest('bench') });
const { credential, secret } = await createDeviceCredential({ devices: store.devices, workspaceId: 'default', input: ZNewDeviceCredential.parse({ name: 'bench' }) });
const endpoint = await startDeviceEndpoint({
  store: store.devices,
  port: 0,
  wsPort: 0,
  // A load test from one address: its limits are raised here, explicitly (the defaults stay as they are).
  limits: { maxInflight: 1000, messagesPerSecond: 1_000_000, connectionsPerCredential: 5000, unauthenticatedPerAddress: 1000 },
  failedAuth: { max: 1_000_000, windowMs: 1000, concurrent: 1000 },
});
const auth = { username: credential.username, password: secret };

async function devices(n: number): Promise<MqttClient[]> {
  const out: MqttClient[] = [];
  for (let i = 0; i < n; i += 50) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => mqtt.connectAsync(endpoint.url, { ...auth, clientId: `bench-${i + k}`, protocolVersion: 5, reconnectPeriod: 0 })))));
  }
  return out;
}

/** Every device publishes `each` QoS 1 messages with at most `window` unacknowledged; returns acknowledged msg/s. */
async function flood(clients: MqttClient[], each: number, window: number): Promise<number> {
  const started = performance.now();
  let seq = 0;
  await Promise.all(
    clients.map(async (c, d) => {
      const inFlight = new Set<Promise<unknown>>();
      for (let i = 0; i < each; i++) {
        const p = c.publishAsync(`bench/d${d}`, benchPayload(seq++), { qos: 1 }).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= window) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }),
  );
  return (clients.length * each) / ((performance.now() - started) / 1000);
}

async function latency(clients: MqttClient[], rate: number, seconds: number): Promise<number[]> {
  const samples: number[] = [];
  const perClient = rate / clients.length;
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, d) => {
      const pending: Promise<void>[] = [];
      for (let i = 0; i < perClient * seconds; i++) {
        const due = started + (i / perClient) * 1000 + (d / clients.length) * (1000 / perClient);
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const sent = performance.now();
        pending.push(c.publishAsync(`bench/d${d}`, benchPayload(i), { qos: 1 }).then(() => void samples.push(performance.now() - sent)));
      }
      await Promise.all(pending);
    }),
  );
  return samples.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

for (const [n, each, window] of [
  [100, 1000, 50],
  [1000, 100, 10],
] as const) {
  const clients = await devices(n);
  await flood(clients, 10, window); // warm-up
  const rate = await flood(clients, each, window);
  console.log(`QoS 1, ${n} connections: ${Math.round(rate)} msg/s acknowledged after commit (${n * each} messages, window ${window} per connection)`);
  if (n === 100) {
    const s = await latency(clients, 5000, 10);
    console.log(`PUBACK latency at 5,000 msg/s (100 connections, ${s.length} messages): p50 ${pct(s, 50).toFixed(1)} ms, p99 ${pct(s, 99).toFixed(1)} ms`);
  }
  await Promise.all(clients.map((c) => c.endAsync()));
}

// Idle connections: the server's growth, with raw sockets as clients.
global.gc?.();
const before = process.memoryUsage();
const sockets: net.Socket[] = [];
for (let i = 0; i < 1000; i++) {
  const s = net.connect({ host: '127.0.0.1', port: endpoint.port });
  s.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `idle-${i}`, keepalive: 0, ...auth, password: Buffer.from(secret) }));
  await new Promise((resolve) => s.once('data', resolve));
  sockets.push(s);
}
global.gc?.();
const after = process.memoryUsage();
console.log(
  `1,000 idle connections: heap +${((after.heapUsed - before.heapUsed) / 1e6).toFixed(1)} MB after GC (server and raw client sockets in one process; RSS is not comparable after the load phases)`,
);
for (const s of sockets) s.destroy();
await endpoint.close();
await store.close();
await server.stop();
