import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { updateDatasetManifest } from '../../lib/datasets/update-dataset-manifest';
import { verifyDataset } from '../../lib/datasets/verify-dataset';
import { followPull } from '../../lib/ingest/follow-pull';
import type { SliceCommit } from '../../lib/ingest/ports';
import type { PullOptions } from '../../lib/ingest/pull-options';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { openStore, type Store } from '../../lib/store/open-store';
import { runNode, startNode } from '../support/cli';
import { committedRows } from '../support/committed-rows';
import { mqttManifest } from '../support/manifests';
import { startMosquitto, type MosquittoServer } from '../support/mosquitto-server';
import type { Packet } from 'mqtt-packet';
import { startPacketProxy, type PacketVerdict } from '../support/packet-proxy';
import { burstSession } from '../support/burst-session';
import { createTestDatabase } from '../support/test-store';
import { freePort } from '../support/free-port';
import { until } from '../support/until';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';

let broker: MosquittoServer;
let store: Store;
let databaseUrl: string;

beforeAll(async () => {
  broker = await startMosquitto();
  databaseUrl = await createTestDatabase();
  store = await openStore({ databaseUrl });
});
afterAll(async () => {
  await store?.close();
  await broker?.stop();
});

const reading = (i: number, device = 'd1') => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), device, value: i });

async function publish(topic: string, payloads: string[], opts: { qos?: 0 | 1 | 2; retain?: boolean } = {}) {
  const c = await mqtt.connectAsync(broker.url);
  for (const p of payloads) await c.publishAsync(topic, p, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  await c.endAsync();
}

async function add(name: string, topic: string, qos: 'AtLeastOnce' | 'ExactlyOnce', merge?: string) {
  await addDataset({ store, manifest: mqttManifest({ name, port: broker.port, topics: [{ path: topic, qos }], merge }) });
  // The first pull creates the broker session; what is published from now on is queued for it.
  await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 200 } });
}

async function values(name: string): Promise<number[]> {
  return (await committedRows(store, name)).map((r) => r.value as number);
}

/** Runs `pull` with each transaction of the store recorded as the commits it applied. */
async function recordingTransactions<T>(pull: () => Promise<T>): Promise<{ result: T; transactions: SliceCommit[][] }> {
  const transactions: SliceCommit[][] = [];
  const commit = store.ingest.commit;
  store.ingest.commit = async (...cs) => {
    transactions.push(cs);
    return commit.apply(store.ingest, cs);
  };
  try {
    return { result: await pull(), transactions };
  } finally {
    store.ingest.commit = commit;
  }
}

const crashingPull = (dataset: string, when: 'before' | 'after', at = 'first', protocolVersion = 'auto', options: Partial<PullOptions> = {}, burst?: number) =>
  runNode(path.resolve(import.meta.dirname, '../support/crashing-pull.ts'), [dataset, when, at, protocolVersion, JSON.stringify(options), ...(burst ? [String(burst)] : [])], { DATABASE_URL: databaseUrl });

// The delivery suite (test/integration/brokers/) proves on every broker, Mosquitto included: SIGKILL
// after a commit with Ledger, retained messages with Ledger, QoS 2 Append after a kill. What stays
// here is Mosquitto-only: the killed pull's record, packet ids reused after a PUBREL, MQTT 3.1.1
// windows staged and killed at random, and concurrent pulls.
describe('[DELIVERY] nothing is lost or duplicated across crashes', () => {
  it('a pull killed after receiving and before committing loses nothing (Ledger, QoS 1)', async () => {
    await add('crash.before', 'crash-before/#', 'AtLeastOnce');
    await publish('crash-before/x', Array.from({ length: 30 }, (_, i) => reading(i)));
    const crashed = await crashingPull('crash.before', 'before');
    expect(crashed.signal).toBe('SIGKILL');
    expect(await values('crash.before')).toEqual([]);

    const r = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('crash.before'), options: { idleTimeoutMs: 300 } });
    expect(r.rowsCommitted).toBe(30);
    const [latest, killed] = await store.datasets.pulls((await store.datasets.find(defaultWorkspaceKey('crash.before')))!.id);
    expect(latest).toMatchObject({ id: r.pullId, status: 'updated' });
    expect(killed).toMatchObject({ status: 'failed', errorCode: 'INTERRUPTED' });
    expect(await values('crash.before')).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect((await verifyDataset(store, defaultWorkspaceKey('crash.before'))).problems).toEqual([]);
  });

  it('QoS 2 makes Append exactly once even when killed between commit and PUBREC', async () => {
    await add('crash.qos2', 'crash-qos2/#', 'ExactlyOnce', '        kind: Append');
    await publish('crash-qos2/x', Array.from({ length: 25 }, (_, i) => reading(i)), { qos: 2 });
    // All 25 reach a pull capped at 25 at once: its first commit is the one that publishes them
    // (a quiet gap on a busy machine would otherwise stage part of them first).
    const crashed = await crashingPull('crash.qos2', 'after', 'first', 'auto', { recordCap: 25 }, 25);
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stdout).toContain('committed 25');

    const r = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('crash.qos2'), options: { idleTimeoutMs: 300 } });
    expect(r.duplicates).toBe(25);
    expect(r.rowsCommitted).toBe(0);
    // New messages reuse the released packet identifiers and are not mistaken for duplicates.
    await publish('crash-qos2/x', Array.from({ length: 5 }, (_, i) => reading(100 + i)), { qos: 2 });
    const next = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('crash.qos2'), options: { idleTimeoutMs: 300 } });
    expect(next).toMatchObject({ rowsCommitted: 5, duplicates: 0 });
    expect(await values('crash.qos2')).toEqual([...Array.from({ length: 25 }, (_, i) => i), 100, 101, 102, 103, 104]);
    expect(await store.ingest.loadQos2Receipts((await store.datasets.find(defaultWorkspaceKey('crash.qos2')))!.id)).toEqual(new Map());
    expect((await verifyDataset(store, defaultWorkspaceKey('crash.qos2'))).problems).toEqual([]);
  });
});

describe('[DELIVERY] SIGKILL at random points of MQTT 3.1.1 pulls: one slice per pull, nothing lost or repeated', () => {
  // Mosquitto's 3.1.1 in-flight window (20) makes a 60-message pull stage several windows before
  // it publishes. Each trial kills a pull before or after one of its stage commits or its publish
  // commit, chosen at random (the test name says which, to reproduce it).
  const MESSAGES = 60;
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];
  const strategies = [
    { merge: 'Ledger', qos: 'AtLeastOnce', publishQos: 1, manifest: undefined },
    { merge: 'Append', qos: 'ExactlyOnce', publishQos: 2, manifest: '        kind: Append' },
  ] as const;
  const trials = strategies.flatMap((s) =>
    [pick(['stage:1', 'stage:2']), 'publish'].map((at) => ({ ...s, at, when: pick(['before', 'after'] as const) })),
  );
  const pull311 = (name: string) => runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 300, protocolVersion: 4 } });

  it.for(trials.map((t, i) => ({ ...t, i })))('$merge ($qos): killed $when the $at commit', async ({ qos, publishQos, manifest, at, when, i }, { expect }) => {
    const name = `kill${i}`;
    await addDataset({ store, manifest: mqttManifest({ name, port: broker.port, topics: [{ path: `kill${i}/#`, qos }], merge: manifest }) });
    await pull311(name); // creates the 3.1.1 session
    await publish(`kill${i}/x`, Array.from({ length: MESSAGES }, (_, v) => reading(v)), { qos: publishQos });

    const crashed = await crashingPull(name, when, at, '4');
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const recovery = await pull311(name);
    expect(recovery.slices).toBeLessThanOrEqual(1);

    const ds = (await store.datasets.find(defaultWorkspaceKey(name)))!;
    expect((await values(name)).sort((a, b) => a - b)).toEqual(Array.from({ length: MESSAGES }, (_, v) => v));
    // Every pull, the killed one included, wrote at most one slice, and the chain holds exactly those.
    const pulls = await store.datasets.pulls(ds.id);
    expect(pulls.map((p) => p.slices).filter((n) => n > 1)).toEqual([]);
    const addData = (await store.datasets.blocks(ds.id)).filter((b) => b.event.kind === 'AddData');
    expect(addData).toHaveLength(pulls.reduce((n, p) => n + p.slices, 0));
    expect(await store.ingest.loadStagedRows(ds.num)).toEqual([]);
    expect((await verifyDataset(store, defaultWorkspaceKey(name))).problems).toEqual([]);
  });
});

describe('[DELIVERY] batches taken once a pull takes no more messages are held and commit with its slice', () => {
  // Once a pull is at its cap (or idle, or out of time) no acknowledgement makes the broker send
  // it anything more, so staging its remaining batches (writing their rows to read them back and
  // delete them with the slice) bought nothing. 60 messages reach a pull capped at 60 at once
  // (burstSession): two batches of 20 held, the third publishing them.
  const MESSAGES = 60;
  const capped = { batchSize: 20, recordCap: MESSAGES } as const;
  const pullAtOnce = (name: string) => runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 300, ...capped }, openSession: burstSession(MESSAGES) });

  it('stages nothing and commits the backlog in one transaction', async () => {
    await add('held.one', 'held-one/#', 'AtLeastOnce');
    await publish('held-one/x', Array.from({ length: MESSAGES }, (_, v) => reading(v)));
    const { result, transactions } = await recordingTransactions(() => pullAtOnce('held.one'));
    expect(result).toMatchObject({ rowsCommitted: MESSAGES, slices: 1 });
    expect(transactions.flat().filter((c) => c.stage)).toEqual([]);
    expect(transactions.map((cs) => cs.length)).toEqual([3]);
    expect(await values('held.one')).toEqual(Array.from({ length: MESSAGES }, (_, v) => v));
  });

  it.for(['before', 'after'] as const)('killed %s its publish, the next pull has every message once (Ledger, QoS 1)', async (when, { expect }) => {
    const name = `held.${when}`;
    await add(name, `held-${when}/#`, 'AtLeastOnce');
    await publish(`held-${when}/x`, Array.from({ length: MESSAGES }, (_, v) => reading(v)));
    const crashed = await crashingPull(name, when, 'publish', 'auto', capped, MESSAGES);
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const ds = (await store.datasets.find(defaultWorkspaceKey(name)))!;
    // Nothing was staged on the way: killed before, the broker still holds every message.
    expect(await store.ingest.loadStagedRows(ds.num)).toEqual([]);
    expect((await values(name)).length).toBe(when === 'before' ? 0 : MESSAGES);
    const recovery = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 300 } });
    expect(recovery.rowsCommitted).toBe(when === 'before' ? MESSAGES : 0);
    expect(await values(name)).toEqual(Array.from({ length: MESSAGES }, (_, v) => v));
    expect((await verifyDataset(store, defaultWorkspaceKey(name))).problems).toEqual([]);
  });

  it('a broker that allows fewer unacknowledged messages than the pull asked for still gets batches acknowledged as they fill: one pull takes the whole backlog', async () => {
    // The proxy asks Mosquitto for a receive maximum of 50 while the pull believes it asked for
    // its record cap: a broker-side in-flight limit (EMQX's max_inflight, for one). Holding
    // batches before the pull stopped taking messages would leave such a broker waiting until the
    // pull went idle (it ended with 50 and reported the broker caught up).
    const proxy = await startPacketProxy({
      brokerPort: broker.port,
      fromClient: (p) => (p.cmd === 'connect' && p.protocolVersion === 5 ? { rewrite: { ...p, properties: { ...p.properties, receiveMaximum: 50 } } } : 'pass'),
    });
    try {
      await addDataset({ store, manifest: mqttManifest({ name: 'held.window', port: proxy.port, topics: [{ path: 'held-window/#', qos: 'AtLeastOnce' }] }) });
      // An idle timeout no pause of a busy machine reaches: only a stalled broker ends the pull early.
      const options = { idleTimeoutMs: 5000, protocolVersion: 5, batchSize: 20 } as const;
      await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('held.window'), options: { ...options, idleTimeoutMs: 300 } }); // creates the session
      await publish('held-window/x', Array.from({ length: 500 }, (_, v) => reading(v)));
      const r = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('held.window'), options });
      expect(r).toMatchObject({ rowsCommitted: 500, slices: 1 });
      expect(await values('held.window')).toEqual(Array.from({ length: 500 }, (_, v) => v));
    } finally {
      await proxy.close();
    }
  });
});

describe('[DELIVERY] an MQTT 5 broker that keeps fewer messages in flight than a batch', () => {
  // EMQX keeps at most 32 QoS 1/2 messages in flight to a client by default (max_inflight),
  // VerneMQ 20, whatever receive maximum the client asked for, and MQTT 5 does not tell the
  // client. Such a broker stops after its window and waits for acknowledgements. The proxy keeps
  // 32 messages in flight while the pull believes it asked the broker for its record cap.
  it('the pull stages and acknowledges each window after a short quiet: one pull takes the whole backlog into one slice', async () => {
    const proxy = await startPacketProxy({ brokerPort: broker.port, inflightLimit: 32 });
    try {
      await addDataset({ store, manifest: mqttManifest({ name: 'window.emqx', port: proxy.port, topics: [{ path: 'window-emqx/#', qos: 'AtLeastOnce' }] }) });
      await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('window.emqx'), options: { idleTimeoutMs: 300, protocolVersion: 5 } }); // creates the session
      await publish('window-emqx/x', Array.from({ length: 500 }, (_, v) => reading(v)));
      // The pull ends at its cap, not idle; an idle timeout no pause of a busy machine reaches
      // means only a broker left waiting for acknowledgements ends it early (it took the first
      // window, went idle and reported the dataset caught up with 468 messages at the broker).
      const r = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('window.emqx'), options: { idleTimeoutMs: 5000, recordCap: 500, protocolVersion: 5 } });
      expect(r).toMatchObject({ rowsCommitted: 500, slices: 1 });
      expect(await values('window.emqx')).toEqual(Array.from({ length: 500 }, (_, v) => v));
      const ds = (await store.datasets.find(defaultWorkspaceKey('window.emqx')))!;
      expect(await store.ingest.loadStagedRows(ds.num)).toEqual([]);
      expect((await verifyDataset(store, defaultWorkspaceKey('window.emqx'))).problems).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('[DELIVERY] QoS 0 messages are never acknowledged, so a quiet does not stage them', () => {
  it('an MQTT 5 pull of 30 retained QoS 0 states commits once, with its slice', async () => {
    const c = await mqtt.connectAsync(broker.url);
    for (let i = 0; i < 30; i++) await c.publishAsync(`qos0-quiet/${i}`, reading(i), { qos: 1, retain: true });
    await c.endAsync();
    await addDataset({ store, manifest: mqttManifest({ name: 'qos0.quiet', port: broker.port, topics: [{ path: 'qos0-quiet/+', qos: 'AtMostOnce' }] }) });
    // The retained states come in a burst at the subscription, then the broker is quiet: before,
    // the quiet staged them (written, read back and deleted at the idle timeout).
    const { result, transactions } = await recordingTransactions(() => runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('qos0.quiet'), options: { idleTimeoutMs: 300, protocolVersion: 5 } }));
    expect(result).toMatchObject({ rowsCommitted: 30, slices: 1 });
    expect(transactions.flat().filter((c) => c.stage)).toEqual([]);
    expect(transactions).toHaveLength(1);
  });
});

describe('[DELIVERY] rows a killed MQTT 3.1.1 pull staged outlive a change of the read schema', () => {
  // Staged rows were acknowledged to the broker: the next pull must publish them. They are stored
  // by column position; before, the next pull read them with the schema of the day, so a column
  // added in the middle (allowed while nothing is committed) moved every value one column over.
  const fields = (...columns: [string, string][]) => columns.map(([name, type]) => `            - name: ${name}\n              type: ${type}`).join('\n');
  const original = fields(['event_time', 'Timestamp'], ['device', 'String'], ['value', 'Float64']);
  const manifest = (name: string, f: string) => mqttManifest({ name, port: broker.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }], fields: f });
  const pull311 = (name: string) => runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 300, protocolVersion: 4 } });
  const stagedCount = async (name: string) => (await store.ingest.loadStagedRows((await store.datasets.find(defaultWorkspaceKey(name)))!.num)).reduce((n, b) => n + b.rows.length, 0);

  /** A dataset whose pull was killed after staging its first window of 20 of 60 readings. */
  async function killedWhileStaging(name: string) {
    await addDataset({ store, manifest: manifest(name, original) });
    await pull311(name);
    await publish(`${name}/x`, Array.from({ length: 60 }, (_, v) => reading(v)));
    expect((await crashingPull(name, 'after', 'stage:1', '4')).signal).toBe('SIGKILL');
    expect(await stagedCount(name)).toBe(20);
  }

  it('a column added between staging and publishing: every staged value stays in its column, the new one is null', async () => {
    await killedWhileStaging('staged-moved');
    await updateDatasetManifest({ store, dataset: defaultWorkspaceKey('staged-moved'), manifest: manifest('staged-moved', fields(['event_time', 'Timestamp'], ['site', '{kind: Option, inner: String}'], ['device', 'String'], ['value', 'Float64'])) });
    expect(await pull311('staged-moved')).toMatchObject({ rowsCommitted: 60, quarantined: 0 });
    const rows = await committedRows(store, 'staged-moved');
    expect(rows.map((r) => [r.site, r.device, r.value]).sort((a, b) => (a[2] as number) - (b[2] as number))).toEqual(Array.from({ length: 60 }, (_, v) => [null, 'd1', v]));
    expect((await verifyDataset(store, defaultWorkspaceKey('staged-moved'))).problems).toEqual([]);
  });

  it('a follow run started while the broker is away publishes them at once, not once the broker is back', async () => {
    await killedWhileStaging('staged-follow');
    await updateDatasetManifest({ store, dataset: defaultWorkspaceKey('staged-follow'), manifest: manifest('staged-follow', original).replace(`port: ${broker.port}`, `port: ${await freePort()}`) });
    const stop = new AbortController();
    const run = followPull({ store: store.ingest, dataset: defaultWorkspaceKey('staged-follow'), signal: stop.signal, options: { connectTimeoutMs: 500 }, follow: { reconnectMinMs: 50, reconnectMaxMs: 100 } });
    try {
      await until(async () => (await committedRows(store, 'staged-follow')).length === 20);
      expect(await stagedCount('staged-follow')).toBe(0);
    } finally {
      stop.abort();
      await run;
    }
  });

  it('a staged column retyped: the pull is refused naming it, nothing staged is lost, and it publishes once the type is back', async () => {
    await killedWhileStaging('staged-retyped');
    const key = defaultWorkspaceKey('staged-retyped');
    await updateDatasetManifest({ store, dataset: key, manifest: manifest('staged-retyped', fields(['event_time', 'Timestamp'], ['device', 'String'], ['value', 'String'])) });
    await expect(pull311('staged-retyped')).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/20 rows.*"value" as Float64.*String/s) });
    expect(await stagedCount('staged-retyped')).toBe(20);
    await updateDatasetManifest({ store, dataset: key, manifest: manifest('staged-retyped', original) });
    await pull311('staged-retyped');
    expect((await values('staged-retyped')).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, v) => v));
  });
});

describe("[DELIVERY] the record of a broker session's filters stays true whatever befalls a connection", () => {
  const pullOf = (name: string) => runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 300 } });
  const addVia = (name: string, port: number, paths: string[]) =>
    addDataset({ store, manifest: mqttManifest({ name, port, topics: paths.map((path) => ({ path, qos: 'AtLeastOnce' as const })), merge: '        kind: Append' }) });

  /** Runs `body` with a packet proxy (judging what the client sends) in front of the broker. */
  async function throughProxy(fromClient: Parameters<typeof startPacketProxy>[0]['fromClient'], body: (port: number) => Promise<void>) {
    const proxy = await startPacketProxy({ brokerPort: broker.port, fromClient });
    try {
      await body(proxy.port);
    } finally {
      await proxy.close();
    }
  }

  /** Three readings published on `topic` reach the Append dataset once each with the next pull. */
  async function arriveOnce(name: string, topic: string) {
    await publish(topic, [1, 2, 3].map((v) => reading(v)));
    await pullOf(name);
    expect((await values(name)).sort()).toEqual([1, 2, 3]);
  }

  it('a pull killed between its CONNACK and its SUBACK: the next pull subscribes again, though the broker kept a session', async () => {
    let killing: number | undefined;
    const judge = (p: Packet): PacketVerdict => {
      if (killing === undefined) return 'pass';
      // As a broker that lost the session: the pull's session is created afresh, and the pull dies before it subscribed.
      if (p.cmd === 'connect') return { rewrite: { ...p, clean: true } };
      if (p.cmd !== 'subscribe') return 'pass';
      process.kill(killing, 'SIGKILL');
      killing = undefined;
      return { rewrite: { cmd: 'pingreq' } };
    };
    await throughProxy(judge, async (port) => {
      await addVia('killed-subscribing', port, ['killed-subscribing/#']);
      await pullOf('killed-subscribing');
      const crashed = startNode(path.resolve(import.meta.dirname, '../support/crashing-pull.ts'), ['killed-subscribing', 'before', 'publish'], { DATABASE_URL: databaseUrl });
      killing = crashed.pid;
      expect((await crashed.result).signal).toBe('SIGKILL');
      // Before, this pull found the session present and its filters recorded, and resumed it: nothing came, ever.
      await pullOf('killed-subscribing');
      await arriveOnce('killed-subscribing', 'killed-subscribing/x');
    });
  });

  it('a dropped filter whose UNSUBSCRIBE was hung up on is unsubscribed by the next pull: nothing comes twice', async () => {
    let hangUpOnUnsubscribe = false;
    const judge = (p: Packet): PacketVerdict => (hangUpOnUnsubscribe && p.cmd === 'unsubscribe' ? ((hangUpOnUnsubscribe = false), 'hang up') : 'pass');
    await throughProxy(judge, async (port) => {
      await addVia('narrowed', port, ['narrowed/#']);
      await pullOf('narrowed');
      await updateDatasetManifest({ store, dataset: defaultWorkspaceKey('narrowed'), manifest: mqttManifest({ name: 'narrowed', port, topics: [{ path: 'narrowed/temp', qos: 'AtLeastOnce' }], merge: '        kind: Append' }) });
      hangUpOnUnsubscribe = true;
      await expect(pullOf('narrowed')).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
      await pullOf('narrowed');
      await publish('narrowed/other', [reading(100)]);
      // The session held narrowed/# and narrowed/temp: Mosquitto sends a message once per matching subscription.
      await arriveOnce('narrowed', 'narrowed/temp');
    });
  });

  it('a pull that never reached the broker leaves the record as it was: the next resumes without subscribing, so no retained message comes again', async () => {
    let unreachable = false;
    await throughProxy((p) => (unreachable && p.cmd === 'connect' ? 'hang up' : 'pass'), async (port) => {
      await addVia('unreached', port, ['unreached/#']);
      await publish('unreached/state', [reading(7)], { retain: true });
      await pullOf('unreached');
      unreachable = true;
      await expect(pullOf('unreached')).rejects.toMatchObject({ code: 'BROKER_UNREACHABLE' });
      unreachable = false;
      expect(await pullOf('unreached')).toMatchObject({ messagesReceived: 0 });
      expect(await values('unreached')).toEqual([7]);
    });
  });
});

describe('[DELIVERY] concurrent pulls', () => {
  it('two pulls of one dataset at once: one runs, the other is refused, the chain stays linear', async () => {
    await add('concurrent', 'concurrent/#', 'AtLeastOnce');
    await publish('concurrent/x', Array.from({ length: 10 }, (_, i) => reading(i)));
    const results = await Promise.allSettled([
      runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('concurrent'), options: { idleTimeoutMs: 300 } }),
      runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('concurrent'), options: { idleTimeoutMs: 300 } }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'PULL_ALREADY_RUNNING' });
    expect(await values('concurrent')).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect((await verifyDataset(store, defaultWorkspaceKey('concurrent'))).problems).toEqual([]);
  });

  it('a commit against a moved head is rolled back (compare-and-swap)', async () => {
    const ds = (await store.ingest.getDatasetHead(defaultWorkspaceKey('concurrent')))!;
    const lease = await store.ingest.acquirePullLease(ds.id, 'cas-test');
    await store.ingest.startPull(ds.id, 'cas-test');
    await expect(
      store.ingest.commit({
        datasetId: ds.id,
        datasetNum: ds.num,
        expectedHeadHash: 'f1620' + '0'.repeat(64),
        systemTime: new Date(),
        blocks: [{ hash: 'f1620' + '1'.repeat(64), block: { systemTime: new Date().toISOString(), sequenceNumber: ds.headSequence + 1, prevBlockHash: 'x', event: { kind: 'SetInfo' } } }],
        nextOffset: ds.nextOffset,
        watermark: ds.watermark,
        qos2Receipts: { add: [], remove: [] },
        quarantine: [],
        pull: { id: 'cas-test', add: { messagesReceived: 0, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 } },
      }),
    ).rejects.toMatchObject({ code: 'HEAD_MOVED' });
    await lease.release();
    expect((await verifyDataset(store, defaultWorkspaceKey('concurrent'))).problems).toEqual([]);
  });
});
