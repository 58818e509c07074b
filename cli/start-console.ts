import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startEmbeddedBroker, type EmbeddedBroker } from '../lib/broker/embedded-broker';
import { readEnv } from '../lib/config/env';
import { loadMasterKey } from '../lib/config/secret-key';
import { addDataset } from '../lib/datasets/add-dataset';
import { DEMO_DATASET, DEMO_DATASET_NAME, demoManifest } from '../lib/demo/demo-manifest';
import { startDemoDevice } from '../lib/demo/demo-device';
import { DEMO_PUSH_DATASET_NAME, startDemoPushDevice } from '../lib/demo/demo-push';
import { findActivePollingSource } from '../lib/odf';
import { ensureConsoleBuild } from './console-build';
import { startDeviceEndpoint } from '../lib/device-endpoint/device-endpoint';
import { deviceEndpointConfig } from '../lib/device-endpoint/endpoint-config';
import { defaultDataDir, openStore } from '../lib/store/open-store';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * `sluice start`: the console on the embedded default — embedded Postgres (unless DATABASE_URL),
 * embedded broker with a demo device and a demo dataset (unless SLUICE_BROKER_URL), then the
 * Next.js server. Taken ports are reported and replaced by free ones. The console is built (when
 * its sources changed) while the rest starts. Runs until Ctrl+C (or SIGTERM, or the web server
 * ending), then stops everything it started and says so.
 */
export async function startConsole(opts: { port: number; host: string }): Promise<void> {
  let interrupted = false;
  const signalled = new Promise<void>((resolve) => {
    const stop = () => {
      interrupted = true;
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const stops: (() => Promise<void>)[] = [];
  try {
    await Promise.race([signalled, exited(await startAll(opts, stops))]);
  } catch (err) {
    if (!interrupted) throw err; // Ctrl+C during the build or start-up stops it: not an error
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    console.log('Sluice stopped.');
  }
}

/** Starts everything (adding how to stop it to `stops`, last started first) and returns the web server's process. */
async function startAll(opts: { port: number; host: string }, stops: (() => Promise<void>)[]): Promise<ChildProcess> {
  // A start that fails or is stopped during the build stops the build too (it would otherwise go on
  // writing .next after "Sluice stopped.").
  const building = new AbortController();
  stops.unshift(async () => building.abort());
  const built = ensureConsoleBuild(ROOT, NEXT_ENV, building.signal);
  built.catch(() => undefined); // awaited below; failing before then must not be an unhandled rejection
  const env = readEnv();
  const dataDir = env.SLUICE_DATA_DIR ?? defaultDataDir();
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir });
  stops.unshift(() => store.close());
  let broker: EmbeddedBroker | undefined;
  // Ports that had to fall back last time are tried first, so the demo dataset keeps its broker.
  const portsFile = path.join(dataDir, 'ports.json');
  const remembered = readPorts(portsFile);
  if (!env.SLUICE_BROKER_URL) {
    broker = await startEmbeddedBroker({
      port: env.SLUICE_MQTT_PORT ?? remembered.mqtt ?? 1883,
      wsPort: env.SLUICE_MQTT_WS_PORT ?? remembered.ws ?? 8083,
      dataDir: path.join(dataDir, 'broker'),
      log: (line) => console.log(line),
    });
    stops.unshift(() => broker!.close());
    const demo = await startDemoDevice({ url: broker.url });
    stops.unshift(() => demo.stop());
    remembered.mqtt = broker.port;
    remembered.ws = broker.wsPort;
    const existing = await store.datasets.find(DEMO_DATASET);
    const manifest = demoManifest({ host: '127.0.0.1', port: broker.port });
    const fetch = existing && findActivePollingSource(existing.snapshot.metadata)?.fetch;
    if (!existing || (fetch?.kind === 'Mqtt' && fetch.port !== broker.port)) {
      // First start, or the broker could not get its old port back: point the demo dataset at it.
      await addDataset({ store, manifest, replace: !!existing });
    }
    // The live preview reaches the embedded broker through its WebSocket listener.
    const demoDataset = await store.datasets.find(DEMO_DATASET);
    if (demoDataset) await store.datasets.setPreviewWsUrl(demoDataset.id, broker.wsUrl);
    // The demo dataset's broker session exists from the first start, not from its first pull: the
    // broker then keeps every reading published meanwhile for that pull (a quick pull creates it).
    if ((await store.ingest.getDatasetHead(DEMO_DATASET))?.sessionTopics === null) {
      const { runPollingIngest } = await import('../lib/ingest/run-polling-ingest');
      await runPollingIngest({ store: store.ingest, dataset: DEMO_DATASET, options: { idleTimeoutMs: 200 } }).catch((err: Error) => console.log(`demo dataset: its first pull failed (${err.message})`));
    }
    console.log('demo device publishing to demo/sensors/+/temperature');
  }

  // The device endpoint runs here (with port fallback, like the broker); the web server is told not to.
  const deviceConfig = deviceEndpointConfig(env, remembered.devices);
  let deviceUrl: string | undefined;
  let devicePorts: Record<string, string> = {};
  if (deviceConfig) {
    const devices = await startDeviceEndpoint({ ...deviceConfig, store: store.devices, portFallback: true, log: (line) => console.log(line) });
    stops.unshift(() => devices.close());
    remembered.devices = { port: devices.port, wsPort: devices.wsPort };
    deviceUrl = devices.url;
    // The web server judges brokers knowing the ports the endpoint took (they are never a broker).
    devicePorts = { SLUICE_DEVICE_PORT: String(devices.port), SLUICE_DEVICE_WS_PORT: String(devices.wsPort), ...(devices.tlsPort ? { SLUICE_DEVICE_TLS_PORT: String(devices.tlsPort) } : {}) };
    if (broker) {
      // The embedded default's second demo: a device publishing straight into a push dataset.
      const pusher = await startDemoPushDevice({ store, endpointUrl: devices.url, log: (line) => console.log(line) });
      stops.unshift(() => pusher.stop());
      console.log(`demo device publishing to ${DEMO_PUSH_DATASET_NAME}/greenhouse-3/temperature on the device endpoint`);
    }
  }
  fs.writeFileSync(portsFile, JSON.stringify(remembered));

  await built;
  const port = await availablePort(opts.host, opts.port);
  if (port !== opts.port) console.log(`port ${opts.port} is in use; the console uses ${port} instead`);
  const publicUrl = env.SLUICE_PUBLIC_URL ?? `http://${opts.host}:${port}`;
  // The key that signs sessions and encrypts stored secrets: the variable, or one kept in the data directory.
  const secretKey = loadMasterKey({ envValue: env.SLUICE_SECRET_KEY, dataDir }).toString('base64');
  const web = spawn(process.execPath, [path.join(ROOT, 'bin/sluice.mjs'), 'serve', '--port', String(port), '--host', opts.host, '--no-devices'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...NEXT_ENV, DATABASE_URL: store.databaseUrl, SLUICE_SECRET_KEY: secretKey, SLUICE_PUBLIC_URL: publicUrl, ...(broker ? { SLUICE_BROKER_URL: broker.url, SLUICE_BROKER_WS_URL: broker.wsUrl } : {}), ...(deviceUrl ? { SLUICE_DEVICE_URL: deviceUrl } : {}), ...devicePorts },
  });
  stops.unshift(async () => {
    web.kill('SIGTERM');
    await exited(web);
  });
  if (!(await Promise.race([answering(opts.host, port), exited(web).then(() => false)]))) throw new Error('the web server ended before it answered');
  console.log(`Sluice console: ${publicUrl}  (data in ${dataDir}; Ctrl+C to stop)`);
  if ((await store.workspaces.countUsers()) === 0) console.log(`First run: open ${publicUrl}/setup to create the first account (maintainer of the default workspace)`);
  console.log(`Try: npx sluice pull ${DEMO_DATASET_NAME} && npx sluice tail ${DEMO_DATASET_NAME}`);
  return web;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves true once `host:port` accepts connections (tried again 100 ms after each refusal). */
async function answering(host: string, port: number): Promise<true> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Next.js would report telemetry over the internet; Sluice makes no outside calls. */
const NEXT_ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

/** Ports `sluice start` got last time (after fallbacks), tried first next time. */
interface RememberedPorts {
  mqtt?: number;
  ws?: number;
  devices?: { port?: number; wsPort?: number };
}

function readPorts(file: string): RememberedPorts {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RememberedPorts;
  } catch {
    return {};
  }
}

async function availablePort(host: string, wanted: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(undefined));
      s.listen(port, host, () => {
        const got = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(got));
      });
    });
  return (await tryListen(wanted)) ?? (await tryListen(0))!;
}
