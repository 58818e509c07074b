/**
 * bench:devices — the device endpoint's figures (issue 14): the highest sustained QoS 1 rate that
 * is acknowledged (every PUBACK means committed to the inbox) with 100 and 1,000 device
 * connections, PUBACK latency p50/p99 at a paced 5,000 msg/s, and the server's memory for 1,000
 * idle connections. Real PostgreSQL on a free port. The endpoint runs in this process; the devices
 * run in a child process (bench/device-load.ts: lean MQTT 5 clients on raw sockets), so neither's
 * event loop bounds the other's. Beside the figures, what bounds them: Postgres alone taking the
 * same inserts (group commits of 1,000), and the endpoint with clients but a store that commits
 * nothing. Every figure is printed with the load average. Prints figures; asserts nothing.
 * Run with `node --cpu-prof --import tsx bench/devices.ts` to profile the endpoint.
 */
import { execFile, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { addDataset } from '../lib/datasets/add-dataset';
import { startDeviceEndpoint, type DeviceEndpoint } from '../lib/device-endpoint/device-endpoint';
import type { DeviceEndpointStore, InboxMessage } from '../lib/device-endpoint/ports';
import { createDeviceCredential } from '../lib/devices/create-device-credential';
import { ZNewDeviceCredential } from '../lib/devices/device-credential';
import { openStore } from '../lib/store/open-store';
import { pushManifest } from '../test/support/manifests';
import { startPostgres } from '../test/support/postgres-server';
import { benchPayload } from './support';

const load = () => `load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
const server = await startPostgres();
const store = await openStore({ databaseUrl: server.adminUrl });
const { id: datasetId } = await addDataset({ store, manifest: pushManifest('bench') });
const { credential, secret } = await createDeviceCredential({ devices: store.devices, workspaceId: 'default', input: ZNewDeviceCredential.parse({ name: 'bench' }) });

function endpoint(devices: DeviceEndpointStore): Promise<DeviceEndpoint> {
  return startDeviceEndpoint({
    store: devices,
    port: 0,
    wsPort: 0,
    // A load test from one address: its limits are raised here, explicitly (the defaults stay as they are).
    limits: { maxInflight: 1000, messagesPerSecond: 1_000_000, connectionsPerCredential: 5000, unauthenticatedPerAddress: 1000 },
    failedAuth: { max: 1_000_000, windowMs: 1000, concurrent: 1000 },
  });
}

/** Runs a job of the simulated devices; resolves with its result line. */
function devices<T>(port: number, job: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'device-load.ts'), JSON.stringify({ port, username: credential.username, password: secret, ...job })], { maxBuffer: 1 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as T),
    ),
  );
}

// 1. Memory: 1,000 idle connections, in a server that has served nothing yet.
{
  const ep = await endpoint(store.devices);
  global.gc?.();
  const before = process.memoryUsage();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'device-load.ts'), JSON.stringify({ kind: 'idle', port: ep.port, username: credential.username, password: secret, connections: 1000 })], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => readline.createInterface({ input: child.stdout }).once('line', () => resolve()));
  global.gc?.();
  const after = process.memoryUsage();
  console.log(`1,000 idle connections: server heap +${((after.heapUsed - before.heapUsed) / 1e6).toFixed(1)} MB, RSS +${((after.rss - before.rss) / 1e6).toFixed(1)} MB after GC (${load()})`);
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  await ep.close();
}

// 2. What bounds the figures: Postgres alone, and the endpoint and clients without commits.
{
  const batch = 1000;
  const batches = 100;
  const messages = (k: number): InboxMessage[] =>
    Array.from({ length: batch }, (_, i) => ({ workspaceId: 'default', datasetId, credentialId: credential.id, topic: 'bench/pg', payload: Buffer.from(benchPayload(k * batch + i)), qos: 1 as const, receivedAt: new Date() }));
  const started = performance.now();
  for (let k = 0; k < batches; k++) await store.devices.appendInbox({ messages: messages(k), receipts: [], releases: [] });
  const one = (batch * batches) / ((performance.now() - started) / 1000);
  const twoStarted = performance.now();
  await Promise.all([0, 1].map(async (w) => {
    for (let k = w; k < batches; k += 2) await store.devices.appendInbox({ messages: messages(k), receipts: [], releases: [] });
  }));
  const two = (batch * batches) / ((performance.now() - twoStarted) / 1000);
  console.log(`Postgres alone, the endpoint's inbox inserts (unnest, ${batch} messages a transaction): ${Math.round(one)} msg/s one transaction at a time, ${Math.round(two)} msg/s two at once (${load()})`);
  await store.prisma.$executeRawUnsafe('DELETE FROM device_inbox');

  const noCommit = Object.create(store.devices) as DeviceEndpointStore;
  noCommit.appendInbox = async () => undefined;
  const ep = await endpoint(noCommit);
  const r = await devices<{ rate: number; messages: number }>(ep.port, { kind: 'flood', connections: 100, each: 2000, window: 100 });
  console.log(`Endpoint and clients, no commits (a store that drops the inbox): ${Math.round(r.rate)} msg/s acknowledged, 100 connections (${r.messages} messages) (${load()})`);
  await ep.close();
}

// 3. The figures: committed and acknowledged.
{
  const ep = await endpoint(store.devices);
  for (const [connections, each, window] of [
    [100, 2000, 100],
    [1000, 200, 20],
  ] as const) {
    await devices(ep.port, { kind: 'flood', connections, each: 5, window }); // warm-up
    const r = await devices<{ rate: number; messages: number }>(ep.port, { kind: 'flood', connections, each, window });
    console.log(`QoS 1, ${connections} connections: ${Math.round(r.rate)} msg/s acknowledged after commit (${r.messages} messages, window ${window} per connection) (${load()})`);
    await store.prisma.$executeRawUnsafe('DELETE FROM device_inbox');
  }
  const l = await devices<{ messages: number; p50: number; p99: number; max: number; lagSeconds: number }>(ep.port, { kind: 'paced', connections: 100, rate: 5000, seconds: 10 });
  console.log(`PUBACK latency at 5,000 msg/s (100 connections, ${l.messages} messages): p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms; the sender fell ${l.lagSeconds.toFixed(2)} s behind its pace (${load()})`);
  await ep.close();
}

await store.close();
await server.stop();
