/**
 * `npm run bench:brokers`: the crash run of issue 15, beyond the test suite. For each broker (a
 * throwaway instance on free loopback ports, as the suite starts them) and each delivery setting
 * (Ledger QoS 1, Append QoS 1, Append asking QoS 2), every trial publishes a backlog, kills a pull
 * with SIGKILL before or after one of its commits (chosen at random), then pulls until caught up
 * (waiting once for a broker that withholds redeliveries) and counts what was lost and duplicated.
 * Prints one line per broker and setting. Loopback only; bounded: BENCH_TRIALS trials (default 5)
 * of BENCH_MESSAGES messages (default 300) per setting; BENCH_BROKERS picks brokers (default all).
 */
import path from 'node:path';
import mqtt from 'mqtt';
import { addDataset } from '../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../lib/datasets/dataset-key';
import { pullUntilCaughtUp } from '../lib/ingest/pull-until-caught-up';
import { runPollingIngest } from '../lib/ingest/run-polling-ingest';
import { openFreshDatabase } from './support';
import { runNode } from '../test/support/cli';
import { committedRows } from '../test/support/committed-rows';
import { mqttManifest } from '../test/support/manifests';
import { startPostgres } from '../test/support/postgres-server';
import { TEST_IDLE_MS } from '../test/support/pull-timing';
import { startTestBroker, TEST_NATS_ACK_WAIT_S, type BrokerKind, type TestBroker } from '../test/support/test-broker';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 300);
const BROKERS = (process.env.BENCH_BROKERS ?? 'mosquitto,nats,rabbitmq,embedded').split(',') as BrokerKind[];
const SETTINGS = [
  { label: 'Ledger QoS 1', qos: 'AtLeastOnce', publishQos: 1, merge: undefined },
  { label: 'Append QoS 1', qos: 'AtLeastOnce', publishQos: 1, merge: '        kind: Append' },
  { label: 'Append QoS 2 asked', qos: 'ExactlyOnce', publishQos: 2, merge: '        kind: Append' },
] as const;
const PULL = { idleTimeoutMs: TEST_IDLE_MS, recordCap: 100, redeliveryWaitMs: TEST_NATS_ACK_WAIT_S * 1000 + 1000 };
const CRASHING_PULL = path.resolve(import.meta.dirname, '../test/support/crashing-pull.ts');

const reading = (i: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), device: 'd', value: i });
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];

async function publish(broker: TestBroker, topic: string, count: number, qos: 1 | 2) {
  const c = await mqtt.connectAsync(broker.url, { ...broker.user, protocolVersion: 4, reconnectPeriod: 0 });
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const p = c.publishAsync(topic, reading(i), { qos: Math.min(qos, broker.maxPublishQos) as 1 | 2 }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 20) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await c.endAsync();
}

async function runBroker(kind: BrokerKind, adminUrl: string) {
  const t0 = Date.now();
  const broker = await startTestBroker(kind);
  const { databaseUrl, store } = await openFreshDatabase(adminUrl, `crash_${kind}`);
  try {
    for (const [s, setting] of SETTINGS.entries()) {
      let kills = 0;
      let lost = 0;
      let duplicated = 0;
      let pending = 0;
      let waits = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        const name = `t${s}x${trial}`;
        const dataset = defaultWorkspaceKey(name);
        await addDataset({ store, manifest: mqttManifest({ name, port: broker.port, topics: [{ path: `${name}/#`, qos: setting.qos }], merge: setting.merge, ...broker.user }) });
        await runPollingIngest({ store: store.ingest, dataset, options: PULL }); // the broker session
        await publish(broker, `${name}/x`, MESSAGES, setting.publishQos);
        const crashed = await runNode(CRASHING_PULL, [name, pick(['before', 'after'] as const), pick(['first', 'publish'])], { DATABASE_URL: databaseUrl });
        if (crashed.signal === 'SIGKILL') kills++;
        else console.error(`${kind} ${name}: the crashing pull was not killed (exit ${crashed.code}): ${crashed.stderr.slice(-500)}`);
        const r = await pullUntilCaughtUp({ store: store.ingest, dataset, options: PULL, waitForRedelivery: true, onWaiting: () => waits++ });
        if (r.pending) pending++;
        const values = (await committedRows(store, name)).map((row) => row.value as number);
        const distinct = new Set(values);
        lost += MESSAGES - distinct.size;
        duplicated += values.length - distinct.size;
      }
      console.log(`${kind.padEnd(9)} ${setting.label.padEnd(18)} trials ${TRIALS}, kills ${kills}, messages ${TRIALS * MESSAGES}, lost ${lost}, duplicated ${duplicated}, waited for redelivery ${waits}${pending ? `, ended pending ${pending}` : ''}`);
    }
  } finally {
    await store.close();
    await broker.stop();
  }
  console.log(`${kind.padEnd(9)} ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
}

const server = await startPostgres();
try {
  for (const kind of BROKERS) await runBroker(kind, server.adminUrl);
} finally {
  server.stop();
}
