/**
 * `npm run bench:backlog`: does one `sluice pull` drain a large QoS 1 backlog, on each broker? (issue
 * 15: on NATS one pull committed 10,000 of 200,000 and stopped.) For each broker (a throwaway
 * instance on free loopback ports with the broker's default delivery settings: NATS ack_wait 30 s
 * and max_ack_pending, RabbitMQ mqtt.prefetch 10, Mosquitto's 20 in flight) it creates a Ledger
 * dataset's persistent session, publishes BENCH_BACKLOG readings (default 200,000) at QoS 1 while
 * no pull is connected, then runs `sluice pull` once as a user does (node bin/sluice.mjs, the
 * compiled CLI) under /usr/bin/time, and prints: drained or not (rows committed against
 * published, and whether the CLI said "up to date" or "not caught up"), pulls, seconds, msg/s and
 * the pull's peak RSS. A second `sluice pull` then must find nothing more. Loopback only.
 * BENCH_BROKERS picks brokers (default mosquitto,nats,rabbitmq; also mosquitto-window32: Mosquitto
 * behind a proxy that keeps 32 messages in flight, as EMQX does over MQTT 5); BENCH_PULL_ARGS adds
 * options to both pulls (e.g. "--idle-timeout 5000"); BENCH_QOS=2 publishes and subscribes at QoS 2
 * (ExactlyOnce) instead of 1.
 */
import { spawn } from 'node:child_process';
import mqtt from 'mqtt';
import { addDataset } from '../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../lib/datasets/dataset-key';
import { runPollingIngest } from '../lib/ingest/run-polling-ingest';
import { openFreshDatabase } from './support';
import { TEST_SECRET_KEY } from '../test/support/test-store';
import { SLUICE } from '../test/support/cli';
import { committedRows } from '../test/support/committed-rows';
import { mqttManifest } from '../test/support/manifests';
import { startMosquitto } from '../test/support/mosquitto-server';
import { startNats } from '../test/support/nats-server';
import { startPacketProxy } from '../test/support/packet-proxy';
import { startPostgres } from '../test/support/postgres-server';
import { startRabbitmq } from '../test/support/rabbitmq-server';
import { TEST_BROKER_USER } from '../test/support/test-broker';
import type { ThrowawayBroker } from '../test/support/throwaway-server';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 200_000);
const BROKERS = (process.env.BENCH_BROKERS ?? 'mosquitto,nats,rabbitmq').split(',');
const PULL_ARGS = (process.env.BENCH_PULL_ARGS ?? '').split(' ').filter(Boolean);
const QOS = process.env.BENCH_QOS === '2' ? 2 : 1;
const user = TEST_BROKER_USER;
const users = { [user.username]: user.password };

/**
 * Mosquitto behind a proxy that keeps at most `limit` QoS 1/2 messages in flight to a client,
 * whatever receive maximum the client asked for: an MQTT 5 broker with its own limit (EMQX's
 * max_inflight, 32 by default), which Sluice does not run here.
 */
async function windowedMosquitto(limit: number): Promise<ThrowawayBroker> {
  const broker = await startMosquitto({ users });
  const proxy = await startPacketProxy({ brokerPort: broker.port, inflightLimit: limit });
  return {
    ...broker,
    port: proxy.port,
    url: `mqtt://127.0.0.1:${proxy.port}`,
    stop: async () => {
      await proxy.close();
      await broker.stop();
    },
  };
}

/** Each broker with its defaults for delivery (only persistence and users set). */
const START: Record<string, () => Promise<ThrowawayBroker>> = {
  mosquitto: () => startMosquitto({ users }),
  'mosquitto-window32': () => windowedMosquitto(32),
  nats: () => startNats({ users }),
  rabbitmq: () => startRabbitmq({ user }),
};

const reading = (i: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), device: 'd', value: i });

/**
 * At QOS with at most 500 unacknowledged (mqtt.js slows down ~40x without a window); at QoS 2 at
 * most 20, Mosquitto's max_inflight_messages, beyond which it drops a 3.1.1 client's QoS 2 PUBLISHes.
 */
async function publish(url: string, topic: string, count: number): Promise<number> {
  const t = performance.now();
  const c = await mqtt.connectAsync(url, { ...user, protocolVersion: 4, reconnectPeriod: 0 });
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const p = c.publishAsync(topic, reading(i), { qos: QOS }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= (QOS === 2 ? 20 : 500)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await c.endAsync();
  return (performance.now() - t) / 1000;
}

/** `sluice pull <name>` under /usr/bin/time: its output, exit code, wall seconds and peak RSS (KiB). */
function timedPull(databaseUrl: string, name: string): Promise<{ code: number | null; out: string; seconds: number; peakKiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, SLUICE, 'pull', name, ...PULL_ARGS], {
      env: { ...process.env, DATABASE_URL: databaseUrl, SLUICE_SECRET_KEY: TEST_SECRET_KEY.toString('base64') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /TIME ([\d.]+) (\d+)/.exec(out);
      resolve({ code, out: out.replace(/TIME .*\n?/, '').trim(), seconds: Number(m?.[1]), peakKiB: Number(m?.[2]) });
    });
  });
}

async function runBroker(kind: string, adminUrl: string) {
  const broker = await START[kind]();
  const { databaseUrl, store } = await openFreshDatabase(adminUrl, `backlog_${kind.replace(/\W/g, "_")}`);
  try {
    const name = 'backlog';
    await addDataset({ store, manifest: mqttManifest({ name, port: broker.port, topics: [{ path: 'backlog/#', qos: QOS === 2 ? 'ExactlyOnce' : 'AtLeastOnce' }], ...user }) });
    await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name) }); // the broker session
    const published = await publish(broker.url, 'backlog/x', BACKLOG);
    const load = (await import('node:os')).loadavg()[0].toFixed(2);
    const first = await timedPull(databaseUrl, name);
    const afterFirst = (await store.datasets.find(defaultWorkspaceKey(name)))!.rows;
    const second = await timedPull(databaseUrl, name);
    const values = (await committedRows(store, name)).map((r) => r.value as number);
    const distinct = new Set(values).size;
    const said = (r: { out: string }) => /^\S+: ([^(]+?) \(/m.exec(r.out)?.[1] ?? r.out.split('\n')[0];
    const pulls = /(\d+) pulls?\)/.exec(first.out)?.[1];
    console.log(
      `${kind.padEnd(9)} QoS ${QOS} backlog ${BACKLOG}${PULL_ARGS.length ? ` (sluice pull ${PULL_ARGS.join(' ')})` : ''} (published in ${published.toFixed(0)} s): first sluice pull exit ${first.code}, ${afterFirst} rows in ${pulls} pulls, ` +
        `${first.seconds.toFixed(1)} s, ${Math.round(Number(afterFirst) / first.seconds)} msg/s, peak RSS ${Math.round(first.peakKiB / 1024)} MiB, said "${said(first)}"; ` +
        `second pull exit ${second.code}: "${said(second)}"; in the end ${distinct} distinct of ${BACKLOG}, ${values.length - distinct} duplicated; load ${load}`,
    );
    if (first.code !== 0 || Number(afterFirst) !== BACKLOG) console.log(first.out);
  } finally {
    await store.close();
    await broker.stop();
  }
}

const server = await startPostgres();
try {
  for (const kind of BROKERS) await runBroker(kind, server.adminUrl);
} finally {
  server.stop();
}
