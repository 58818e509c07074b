/**
 * Durable before acknowledged, under SIGKILL: devices publish while the endpoint's process is
 * killed at random moments and restarted; afterwards, every message a device got a PUBACK (QoS 1)
 * or PUBREC (QoS 2) for is in the dataset once the inbox is folded. QoS 1 may be stored twice (a
 * redelivery of a message whose PUBACK was lost): a Ledger keeps it once. QoS 2 is never stored
 * twice, so even an Append has each message once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import esbuild from 'esbuild';
import readline from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { hashDeviceSecret } from '../../lib/devices/device-secret';
import { pullUntilCaughtUp } from '../../lib/ingest/pull-until-caught-up';
import { openStore, type Store } from '../../lib/store/open-store';
import { committedRows } from '../support/committed-rows';
import { testCredential } from '../support/device-endpoint';
import { until } from '../support/until';
import { freePort } from '../support/free-port';
import { pushManifest } from '../support/manifests';
import { createTestDatabase, TEST_SECRET_KEY } from '../support/test-store';

const TRIALS = 20;
const QOS1_DEVICES = 100;
const QOS2_DEVICES = 10;
const PER_DEVICE = 3;

let store: Store;
let databaseUrl: string;
/** The endpoint process's script, bundled once: 21 starts through tsx would each compile it again. */
let serverScript: string;
beforeAll(async () => {
  // Two levels below the root, as lib/store/ is: the bundled store finds prisma/migrations where it looks.
  serverScript = path.resolve(`test-results/device-endpoint/process-${process.pid}.mjs`);
  await esbuild.build({ entryPoints: [path.resolve(import.meta.dirname, '../support/device-endpoint-process.ts')], outfile: serverScript, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error' });
  databaseUrl = await createTestDatabase();
  store = await openStore({ databaseUrl, secretKey: TEST_SECRET_KEY });
  await addDataset({ store, manifest: pushManifest('ledger', { merge: '        kind: Ledger\n        primaryKey: [event_time, device]' }) });
  await addDataset({ store, manifest: pushManifest('append') });
});
afterAll(async () => {
  await store?.close();
  fs.rmSync(serverScript, { force: true });
});

/** A credential whose stored hash is cheap to check: 110 devices reconnect 21 times (the default scrypt cost would dominate the test). */
async function cheapCredential(name: string) {
  const { credential, secret } = await testCredential(store, 'default', name);
  await store.prisma.deviceCredential.update({ where: { id: credential.id }, data: { secretHash: await hashDeviceSecret(secret, { N: 1024, r: 8, p: 1 }) } });
  return { username: credential.username, password: secret };
}

/** An endpoint process, started and ready (store open) but not listening until `listen`. */
async function warmServer(port: number): Promise<{ child: ChildProcess; listen(): Promise<ChildProcess> }> {
  const child = spawn(process.execPath, [serverScript, String(port)], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const seen = (prefix: string) =>
    new Promise<void>((resolve, reject) => {
      lines.on('line', (l) => l.startsWith(prefix) && resolve());
      child.once('exit', (code) => reject(new Error(`the endpoint process exited (${code}) before "${prefix}"`)));
    });
  await seen('ready');
  return {
    child,
    async listen() {
      const listening = seen('listening');
      child.stdin!.write('go\n');
      await listening;
      return child;
    },
  };
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const reading = (id: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1) + id * 1000).toISOString(), device: 'd', value: id });

function publish(c: MqttClient, topic: string, id: number, qos: 1 | 2): Promise<number> {
  return new Promise((resolve, reject) => c.publish(topic, reading(id), { qos }, (err) => (err ? reject(err) : resolve(id))));
}

describe('[DEVICES] the device endpoint killed with SIGKILL', () => {
  it(`keeps every acknowledged message through ${TRIALS} kills: none twice for a Ledger (QoS 1), none twice for an Append (QoS 2)`, { timeout: 240_000 }, async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const one = await cheapCredential('crash-qos1');
    const two = await cheapCredential('crash-qos2');
    let server = await (await warmServer(port)).listen();
    // The next process starts while a trial runs: a restart is then only its listen.
    let standby = warmServer(port);
    // Devices reconnect by themselves and resend what was not acknowledged (QoS 2: the PUBLISH, or its PUBREL).
    const device = async (auth: { username: string; password: string }, clientId: string, protocolVersion: 4 | 5, clean: boolean) => {
      const c = await mqtt.connectAsync(url, { ...auth, clientId, protocolVersion, clean, reconnectPeriod: 50, connectTimeout: 60_000 });
      c.on('error', () => undefined); // refused reconnections while the endpoint is down
      return c;
    };
    const qos1 = await Promise.all(Array.from({ length: QOS1_DEVICES }, (_, i) => device(one, `q1-${i}`, 5, true)));
    const qos2 = await Promise.all(Array.from({ length: QOS2_DEVICES }, (_, i) => device(two, `q2-${i}`, 4, false)));
    const acked = { ledger: [] as number[], append: [] as number[] };
    let next = 0;
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        let acks = 0;
        const sent: Promise<void>[] = [];
        for (const [clients, topic, qos, into] of [
          [qos1, 'ledger/d', 1, acked.ledger],
          [qos2, 'append/d', 2, acked.append],
        ] as const) {
          for (const c of clients) {
            for (let k = 0; k < PER_DEVICE; k++) sent.push(publish(c, topic, next++, qos).then((id) => void (into.push(id), acks++)));
          }
        }
        // A random moment: after a random number of this trial's acknowledgements, with the rest in flight.
        const killAfter = Math.floor(Math.random() * sent.length);
        await until(() => acks >= killAfter);
        await kill(server);
        server = await (await standby).listen();
        standby = warmServer(port);
        await Promise.all(sent);
      }
    } finally {
      for (const c of [...qos1, ...qos2]) c.end(true);
      await kill(server);
      await kill((await standby).child);
    }
    for (const name of ['ledger', 'append'] as const) await pullUntilCaughtUp({ store: store.ingest, dataset: defaultWorkspaceKey(name) });
    for (const name of ['ledger', 'append'] as const) {
      const ids = (await committedRows(store, name)).map((r) => Number(r.value));
      const counts = new Map<number, number>();
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect(acked[name].filter((id) => !counts.has(id)), `${name}: acknowledged but missing`).toEqual([]);
      expect([...counts].filter(([, n]) => n > 1), `${name}: stored twice`).toEqual([]);
    }
    expect(acked.ledger).toHaveLength(TRIALS * QOS1_DEVICES * PER_DEVICE);
  });
});
