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
import { spawn } from 'node:child_process';
import fs from 'node:fs';
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

/**
 * Runs a job of the simulated devices; resolves with its result line. A flood's devices connect,
 * say `ready`, and start publishing when told: what the endpoint and Postgres spend is measured
 * from then to the result (CPU µs per message, a figure the machine's load hardly moves).
 */
function devices<T>(port: number, job: Record<string, unknown>): Promise<T & { cpu?: CpuPerMessage }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'device-load.ts'), JSON.stringify({ port, username: credential.username, password: secret, ...job })], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let from: { endpoint: NodeJS.CpuUsage; postgres: number } | undefined;
    child.once('error', reject);
    child.once('exit', (code) => code && reject(new Error(`device-load exited with ${code}`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const out = JSON.parse(line) as T & { ready?: boolean; messages?: number; loadCpuMs?: number };
      if (out.ready) {
        from = { endpoint: process.cpuUsage(), postgres: postgresCpuMs() };
        child.stdin.write('go\n');
        return;
      }
      child.stdin.end();
      if (!from || !out.messages) return resolve(out);
      const endpointCpu = process.cpuUsage(from.endpoint);
      const us = (ms: number) => (ms * 1000) / out.messages!;
      resolve({ ...out, cpu: { endpoint: us((endpointCpu.user + endpointCpu.system) / 1000), postgres: us(postgresCpuMs() - from.postgres), load: us(out.loadCpuMs ?? 0) } });
    });
  });
}

/** CPU µs per message of the endpoint (this process), of Postgres (all its processes) and of the simulated devices. */
interface CpuPerMessage {
  endpoint: number;
  postgres: number;
  load: number;
}
const perMessage = (c: CpuPerMessage | undefined) => (c ? `CPU per message: endpoint ${c.endpoint.toFixed(1)} µs, Postgres ${c.postgres.toFixed(1)} µs, simulated devices ${c.load.toFixed(1)} µs` : '');

/** CPU time (ms) the Postgres server's processes (postmaster and its children) used so far (Linux /proc). */
const postmaster = Number(fs.readFileSync(`/proc/${(await store.prisma.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid'))[0].pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string[];
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    } catch {
      continue; // exited meanwhile
    }
    // After the command: state, ppid, … utime, stime, cutime, cstime (proc(5)); the postmaster's
    // cutime and cstime hold its children that exited (pooled connections closed meanwhile).
    if (Number(pid) === postmaster) ticks += Number(stat[11]) + Number(stat[12]) + Number(stat[13]) + Number(stat[14]);
    else if (Number(stat[1]) === postmaster) ticks += Number(stat[11]) + Number(stat[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

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
  console.log(`Endpoint and clients, no commits (a store that drops the inbox): ${Math.round(r.rate)} msg/s acknowledged, 100 connections (${r.messages} messages); ${perMessage(r.cpu)} (${load()})`);
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
    console.log(`QoS 1, ${connections} connections: ${Math.round(r.rate)} msg/s acknowledged after commit (${r.messages} messages, window ${window} per connection); ${perMessage(r.cpu)} (${load()})`);
    await store.prisma.$executeRawUnsafe('DELETE FROM device_inbox');
  }
  const l = await devices<{ messages: number; p50: number; p99: number; max: number; lagSeconds: number }>(ep.port, { kind: 'paced', connections: 100, rate: 5000, seconds: 10 });
  console.log(`PUBACK latency at 5,000 msg/s (100 connections, ${l.messages} messages): p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms; the sender fell ${l.lagSeconds.toFixed(2)} s behind its pace (${load()})`);
  await ep.close();
}

await store.close();
await server.stop();
