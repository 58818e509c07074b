import { spawn } from 'node:child_process';
import { tableFromIPC } from 'apache-arrow';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { inflateSegment } from '../../lib/data/deflate-segments';
import { addDataset } from '../../lib/datasets/add-dataset';
import { committedLayout, getDatasetOrThrow } from '../../lib/datasets/dataset-layout';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { getDatasetLive, type DatasetLive } from '../../lib/datasets/dataset-live';
import { listDatasetPulls } from '../../lib/datasets/dataset-pulls';
import { verifyDataset } from '../../lib/datasets/verify-dataset';
import { followPull, type FollowCommit, type FollowPullArgs } from '../../lib/ingest/follow-pull';
import type { IngestStore, PullConnection, SliceCommit } from '../../lib/ingest/ports';
import { pullUntilCaughtUp } from '../../lib/ingest/pull-until-caught-up';
import { arrowStreamSchema } from '../../lib/ingest/slice-arrow';
import { useBrokerAndStore } from '../support/broker-and-store';
import { SLUICE } from '../support/cli';
import { committedRows } from '../support/committed-rows';
import { mqttManifest } from '../support/manifests';
import { lostSessionRefusing, startForgetfulProxy, startPacketProxy } from '../support/packet-proxy';
import { TEST_IDLE_MS } from '../support/pull-timing';
import { TEST_SECRET_KEY } from '../support/test-store';
import { freePort } from '../support/free-port';
import { until } from '../support/until';

const env = useBrokerAndStore();

const reading = (i: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(), device: 'd', value: i });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

async function publish(topic: string, values: number[], qos: 1 | 2 = 1) {
  const c = await mqtt.connectAsync(env.broker.url);
  await Promise.all(values.map((i) => c.publishAsync(topic, reading(i), { qos })));
  await c.endAsync();
}

async function add(name: string, merge?: string, qos: 'AtLeastOnce' | 'ExactlyOnce' = 'AtLeastOnce') {
  await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos }], merge }) });
}

/** A follow run in this process, with a way to wait until its commits hold `rows` rows in total. */
function follow(name: string, extra: Partial<FollowPullArgs> = {}) {
  const stop = new AbortController();
  const commits: FollowCommit[] = [];
  const waiters: { rows: number; resolve: () => void }[] = [];
  let connected!: () => void;
  const subscribed = new Promise<void>((resolve) => (connected = resolve));
  const result = followPull({
    store: env.store.ingest,
    dataset: defaultWorkspaceKey(name),
    options: { connectTimeoutMs: 2000 },
    signal: stop.signal,
    onConnected: () => connected(),
    onCommit: (c) => {
      commits.push(c);
      for (const w of waiters.filter((w) => c.totals.rowsCommitted >= w.rows)) w.resolve();
    },
    ...extra,
  });
  // A run that fails ends every wait with its error instead of leaving the test hanging.
  // A test that expects the failure awaits `result`, not these: they count as handled.
  const failed = result.then(() => new Promise<never>(() => {}));
  failed.catch(() => undefined);
  const subscribedOrFailed = Promise.race([subscribed, failed]);
  subscribedOrFailed.catch(() => undefined);
  return {
    stop,
    commits,
    result,
    subscribed: subscribedOrFailed,
    committed: (rows: number) =>
      Promise.race([new Promise<void>((resolve) => ((commits.at(-1)?.totals.rowsCommitted ?? 0) >= rows ? resolve() : waiters.push({ rows, resolve }))), failed]),
  };
}

/** The dataset's slices: offsets, the block each names, and how many Arrow record batches its stored segment holds. */
async function sliceShapes(name: string) {
  const ds = await getDatasetOrThrow(env.store.datasets, defaultWorkspaceKey(name));
  const layout = committedLayout(ds)!;
  const blocks = new Map((await env.store.datasets.blocks(ds.id)).map((b) => [b.sequenceNumber, b]));
  const slices = await env.store.datasets.slices(ds.id);
  const arrows = await env.store.datasets.sliceArrows(ds.id, 0n, slices.at(-1)!.offsetEnd);
  return slices.map((s, i) => {
    const ipc = Buffer.concat([arrowStreamSchema(layout), inflateSegment(arrows[i].segment), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]);
    const interval = (blocks.get(s.blockSequence)?.event as { newData?: { offsetInterval?: { start: number; end: number } } }).newData?.offsetInterval;
    return { offsets: [Number(s.offsetStart), Number(s.offsetEnd)], blockOffsets: interval && [interval.start, interval.end], recordBatches: tableFromIPC(ipc).batches.length };
  });
}

/** The store, counting how often committed rows are read back (decoded from slices). */
function countingRowReads(store: IngestStore): { store: IngestStore; reads: () => number } {
  let reads = 0;
  const counting = new Proxy(store, {
    get: (target, key) => {
      if (key === 'readRows') reads++;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counting, reads: () => reads };
}

/** A follow run (commits every 50 ms) that receives `bursts` bursts of 10 readings, each committed before the next, then stops. */
async function followInBursts(name: string, bursts: number, compaction: { enabled: boolean; minSlices: number }) {
  const run = follow(name, { follow: { commitIntervalMs: 50, compaction: { ...compaction, targetRows: 1000 } } });
  await run.subscribed;
  for (let burst = 0; burst < bursts; burst++) {
    await publish(`${name}/a`, range(burst * 10, burst * 10 + 10));
    await run.committed((burst + 1) * 10);
  }
  run.stop.abort();
  await run.result;
  return run;
}

/** A run that commits readings [from, to), merging the small slices at the tail (runs of `minSlices`), then stops. */
async function followAndMerge(name: string, from: number, to: number, minSlices: number) {
  const run = follow(name, { follow: { commitIntervalMs: 50, compaction: { enabled: true, minSlices, targetRows: 1000 } } });
  await run.subscribed;
  await publish(`${name}/a`, range(from, to));
  await run.committed(to - from);
  run.stop.abort();
  await run.result;
}

describe('[STREAM] sluice pull --follow', () => {
  it('commits while the session stays open, and commits what it holds when stopped', async () => {
    await add('follow-basic');
    const run = follow('follow-basic', { follow: { commitIntervalMs: 200 } });
    await run.subscribed;
    await publish('follow-basic/a', range(0, 10));
    await run.committed(10);
    // Still the same run: the rows became visible without the pull ending.
    expect(run.commits.length).toBeGreaterThan(0);
    await publish('follow-basic/a', range(10, 20));
    await run.committed(20);
    run.stop.abort();
    expect(await run.result).toMatchObject({ status: 'updated', rowsCommitted: 20, duplicates: 0 });
    expect((await committedRows(env.store, 'follow-basic')).map((r) => r.value).sort((a, b) => Number(a) - Number(b))).toEqual(range(0, 20));
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-basic'))).problems).toEqual([]);
  });

  it('a broker restart in the middle loses nothing: the run reconnects and the broker resends what was not committed', async () => {
    await add('follow-restart');
    const reconnects: string[] = [];
    const run = follow('follow-restart', { onReconnect: ({ error }) => reconnects.push(error.code) });
    await run.subscribed;
    await publish('follow-restart/a', range(0, 200));
    await run.committed(1);
    await env.broker.restart();
    await publish('follow-restart/a', range(200, 400));
    await run.committed(400);
    run.stop.abort();
    await run.result;
    expect(reconnects.length).toBeGreaterThan(0);
    const values = (await committedRows(env.store, 'follow-restart')).map((r) => Number(r.value));
    expect(new Set(values).size).toBe(400);
    expect(values.length).toBe(400); // Ledger: a redelivery of a committed message is dropped by key
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-restart'))).problems).toEqual([]);
  });

  it('says Live only while its broker session is open: once subscribed, not while it reconnects after a broker restart, and then why not', async () => {
    await add('follow-live');
    const key = defaultWorkspaceKey('follow-live');
    // What the dataset page reads each time the run records its session gone, and why (before it reconnects).
    const whileGone: DatasetLive[] = [];
    const store = Object.create(env.store.ingest, {
      setPullConnection: {
        value: async (pullId: string, connection: PullConnection) => {
          await env.store.ingest.setPullConnection(pullId, connection);
          if (!connection.connectedAt) whileGone.push(await getDatasetLive(env.store, key));
        },
      },
    }) as IngestStore;
    const run = follow('follow-live', { store });
    await run.subscribed;
    const first = await getDatasetLive(env.store, key);
    expect(first.streamingSince).not.toBeNull();
    expect(first.connectedSince).not.toBeNull();
    expect(first.waitingOn).toBeNull();

    await env.broker.restart();
    await until(async () => whileGone.some((live) => live.waitingOn));
    expect(whileGone.map((live) => live.connectedSince)).toEqual(whileGone.map(() => null));
    expect(whileGone.find((live) => live.waitingOn)!.waitingOn).toMatchObject({ code: 'CONNECTION_LOST', message: expect.stringContaining(`${env.broker.url} `) });
    expect((await getDatasetLive(env.store, key)).streamingSince).toBe(first.streamingSince);
    await until(async () => ((await getDatasetLive(env.store, key)).connectedSince ?? '') > first.connectedSince!);
    // Connected again: the reason is gone from the page and from the pull record.
    expect((await getDatasetLive(env.store, key)).waitingOn).toBeNull();
    run.stop.abort();
    await run.result;
    expect((await getDatasetLive(env.store, key)).streamingSince).toBeNull();
  });

  it('against a broker that stays down, says why on the dataset page while it retries, and its pull record keeps why once stopped', async () => {
    const port = await freePort();
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'follow-down', port, topics: [{ path: 'follow-down/#', qos: 'AtLeastOnce' }] }) });
    const key = defaultWorkspaceKey('follow-down');
    const reconnects: string[] = [];
    const run = follow('follow-down', { follow: { reconnectMinMs: 50, reconnectMaxMs: 200 }, onReconnect: ({ error }) => reconnects.push(error.code) });
    const unreachable = { code: 'BROKER_UNREACHABLE', message: `cannot reach the broker at mqtt://127.0.0.1:${port}: no MQTT broker answered` };
    // The reason is recorded before each retry is announced. Before, the page said "Connecting to
    // the broker" for as long as the run lasted, and nothing else.
    await until(async () => reconnects.length >= 2);
    const live = await getDatasetLive(env.store, key);
    expect(live).toMatchObject({ connectedSince: null, waitingOn: unreachable });
    expect(live.streamingSince).not.toBeNull();
    run.stop.abort();
    expect((await run.result).rowsCommitted).toBe(0);
    const [pull] = await listDatasetPulls(env.store, key);
    expect(pull).toMatchObject({ status: 'up_to_date', errorCode: unreachable.code, error: unreachable.message });
  });

  it('stopped while it waits to reconnect, a run keeps why on its record; that is no interrupted pull for the next one, and no later write changes how a pull ended', async () => {
    await add('follow-stopped-waiting');
    const key = defaultWorkspaceKey('follow-stopped-waiting');
    const stop = new AbortController();
    let subscribed!: () => void;
    const connected = new Promise<void>((resolve) => (subscribed = resolve));
    const result = followPull({
      store: env.store.ingest,
      dataset: key,
      options: { connectTimeoutMs: 2000 },
      signal: stop.signal,
      follow: { reconnectMinMs: 60_000, reconnectMaxMs: 60_000 },
      onConnected: () => subscribed(),
      onReconnect: () => stop.abort(),
    });
    await connected;
    await env.broker.restart();
    await result;
    const [stopped] = await listDatasetPulls(env.store, key);
    expect(stopped).toMatchObject({ status: 'up_to_date', errorCode: 'CONNECTION_LOST' });
    // The next pull is not told the broker may withhold what an interrupted pull received.
    expect((await pullUntilCaughtUp({ store: env.store.ingest, dataset: key, options: { idleTimeoutMs: TEST_IDLE_MS } })).pending).toBeUndefined();

    // A write of a run's connection that comes after its pull ended changes nothing.
    const { id } = await getDatasetOrThrow(env.store.datasets, key);
    await env.store.ingest.startPull(id, 'ended-pull');
    await env.store.ingest.finishPull('ended-pull', { status: 'failed', hasMore: false, errorCode: 'BROKER_AUTH_FAILED', error: 'bad password' });
    await env.store.ingest.setPullConnection('ended-pull', { connectedAt: null, waitingOn: { code: 'CONNECTION_LOST', message: 'lost' } });
    await env.store.ingest.setPullConnection('ended-pull', { connectedAt: new Date() });
    expect((await env.store.datasets.pulls(id))[0]).toMatchObject({ id: 'ended-pull', status: 'failed', errorCode: 'BROKER_AUTH_FAILED', error: 'bad password', connectedAt: null });
  });

  it('a run whose lease another process took ends at its next heartbeat, with PULL_ALREADY_RUNNING', async () => {
    await add('follow-fenced');
    const run = follow('follow-fenced');
    await run.subscribed;
    const { id } = await getDatasetOrThrow(env.store.datasets, defaultWorkspaceKey('follow-fenced'));
    // As after this run stalled past its lease: another process holds the dataset now. Before, the
    // run went on holding the broker session (and answering its PUBRELs from stale receipts) until
    // its next commit, which on a quiet topic never came.
    await env.store.prisma.$executeRawUnsafe(`UPDATE dataset SET lease_pull_id = 'another-pull', lease_owner = 'elsewhere:1' WHERE id = $1`, id);
    await expect(run.result).rejects.toMatchObject({ code: 'PULL_ALREADY_RUNNING' });
  });

  it("a pull that does not hold the lease cannot forget the dataset's QoS 2 receipts or rewrite its session's filters", async () => {
    await add('lease-writes');
    const { id } = await getDatasetOrThrow(env.store.datasets, defaultWorkspaceKey('lease-writes'));
    const lease = await env.store.ingest.acquirePullLease(id, 'holder');
    try {
      await env.store.prisma.$executeRawUnsafe(`INSERT INTO qos2_receipt (dataset_id, packet_id) VALUES ($1, 7)`, id);
      // A run that lost the lease and got a fresh broker session: before, it deleted the holder's receipts.
      await expect(env.store.ingest.clearQos2Receipts(id, 'stale')).rejects.toMatchObject({ code: 'PULL_ALREADY_RUNNING' });
      await expect(env.store.ingest.saveSessionTopics(id, 'stale', [])).rejects.toMatchObject({ code: 'PULL_ALREADY_RUNNING' });
      expect([...(await env.store.ingest.loadQos2Receipts(id)).keys()]).toEqual([7]);
      await env.store.ingest.clearQos2Receipts(id, 'holder');
      expect((await env.store.ingest.loadQos2Receipts(id)).size).toBe(0);
    } finally {
      await lease.release();
    }
  });

  it('a renewal sent while the lease passes to the next pull of a run waits its turn and does not fence the run', async () => {
    await add('lease-turns');
    const { id } = await getDatasetOrThrow(env.store.datasets, defaultWorkspaceKey('lease-turns'));
    const lease = await env.store.ingest.acquirePullLease(id, 'turns-0');
    try {
      // A heartbeat that fires while a backlog's pull hands over: it named the pull being replaced,
      // matched nothing, and the healthy run ended PULL_ALREADY_RUNNING.
      for (let i = 1; i <= 20; i++) await Promise.all([lease.passTo(`turns-${i}`), lease.confirm()]);
      expect(lease.held()).toBe(true);
    } finally {
      await lease.release();
    }
  });

  it('a run record left running by a process that died is not Live once its lease expired', async () => {
    await add('follow-died');
    const key = defaultWorkspaceKey('follow-died');
    const { id } = await getDatasetOrThrow(env.store.datasets, key);
    // What a killed run leaves: its record running and subscribed, its lease no longer renewed.
    await env.store.ingest.startPull(id, 'died-pull');
    await env.store.ingest.setPullConnection('died-pull', { connectedAt: new Date() });
    const lease = (expires: string) => env.store.prisma.$executeRawUnsafe(`UPDATE dataset SET lease_pull_id = 'died-pull', lease_owner = 'gone:1', lease_expires_at = now() + interval '${expires}' WHERE id = $1`, id);
    await lease('10 seconds');
    expect((await getDatasetLive(env.store, key)).connectedSince).not.toBeNull();
    await lease('-1 second');
    const live = await getDatasetLive(env.store, key);
    expect(live.streamingSince).toBeNull();
    expect(live.connectedSince).toBeNull();
  });

  it('backs off from a broker that accepts each connection and hangs up: only a session that lasted starts the backoff over', async () => {
    // Each connection is cut once the run says it is connected.
    const proxy = await startPacketProxy({ brokerPort: env.broker.port });
    try {
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'follow-hangup', port: proxy.port, topics: [{ path: 'follow-hangup/#', qos: 'AtLeastOnce' }] }) });
      const delays: number[] = [];
      const run = follow('follow-hangup', { follow: { reconnectMinMs: 20, reconnectMaxMs: 640 }, onConnected: () => proxy.hangUp(), onReconnect: ({ delayMs }) => delays.push(delayMs) });
      await Promise.race([until(async () => delays.length >= 6), run.result]);
      run.stop.abort();
      await run.result;
      // Doubled per attempt from 20 ms, each wait jittered to half-to-all of it: the sixth is at
      // least 320 ms. Before, every successful connection reset it to 20 ms, for ever.
      expect(delays[5]).toBeGreaterThanOrEqual(320);
    } finally {
      await proxy.close();
    }
  });

  it('outlives a broker that hangs up on its resubscription, once its subscription was accepted; a refusal that persists, or on its first connection, ends it', async () => {
    // The first session subscribes and is cut once connected; the next is told its session is gone
    // (as by a broker restarted without persistence) and hung up on when it subscribes again, as a
    // broker going down mid-subscription does and as RabbitMQ says "not authorized"; the one after
    // subscribes again. Before, the run ended at the second with BROKER_NOT_AUTHORIZED.
    let refuseSubscriptions = 0;
    const proxy = await startPacketProxy({
      brokerPort: env.broker.port,
      fromBroker: (p) => (refuseSubscriptions && p.cmd === 'connack' ? { rewrite: { ...p, sessionPresent: false } } : 'pass'),
      fromClient: (p) => (refuseSubscriptions && p.cmd === 'subscribe' ? (refuseSubscriptions--, 'hang up') : 'pass'),
    });
    try {
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'follow-resubscribe', port: proxy.port, topics: [{ path: 'follow-resubscribe/#', qos: 'AtLeastOnce' }] }) });
      const errors: string[] = [];
      let sessions = 0;
      const run = follow('follow-resubscribe', {
        follow: { reconnectMinMs: 10, reconnectMaxMs: 20 },
        onConnected: () => void sessions++,
        onReconnect: ({ error }) => errors.push(error.code),
      });
      await Promise.race([until(() => sessions === 1), run.result]);
      refuseSubscriptions = 1;
      proxy.hangUp();
      await Promise.race([until(() => sessions === 2), run.result]);
      expect(errors).toEqual(['CONNECTION_LOST', 'BROKER_NOT_AUTHORIZED']);
      await publish('follow-resubscribe/a', range(0, 3));
      await run.committed(3);
      // Refused for good: after four refusals in a row the fifth ends the run with it.
      refuseSubscriptions = Infinity;
      proxy.hangUp();
      await expect(run.result).rejects.toMatchObject({ code: 'BROKER_NOT_AUTHORIZED' });
      expect(errors.slice(2)).toEqual(['CONNECTION_LOST', ...Array(4).fill('BROKER_NOT_AUTHORIZED')]);
    } finally {
      await proxy.close();
    }
    // The same hang-up on a run's first connection is an answer, not an accident: it ends the run.
    const refusing = await startPacketProxy({ brokerPort: env.broker.port, fromClient: (p) => (p.cmd === 'subscribe' ? 'hang up' : 'pass') });
    try {
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'follow-refused', port: refusing.port, topics: [{ path: 'follow-refused/#', qos: 'AtLeastOnce' }] }) });
      await expect(followPull({ store: env.store.ingest, dataset: defaultWorkspaceKey('follow-refused'), signal: new AbortController().signal })).rejects.toMatchObject({ code: 'BROKER_NOT_AUTHORIZED' });
    } finally {
      await refusing.close();
    }
  });

  it('subscribes again on reconnecting: a broker that came back without the subscriptions, saying the session is present, still delivers', async () => {
    const proxy = await startForgetfulProxy(env.broker.port);
    try {
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'follow-forgetful', port: proxy.port, topics: [{ path: 'follow-forgetful/#', qos: 'AtLeastOnce' }] }) });
      let sessions = 0;
      const run = follow('follow-forgetful', { follow: { reconnectMinMs: 10, reconnectMaxMs: 20 }, onConnected: () => void sessions++ });
      await Promise.race([until(() => sessions === 1), run.result]);
      expect(proxy.subscribes()).toBe(1);
      proxy.arm();
      proxy.hangUp();
      await Promise.race([until(() => sessions === 2), run.result]);
      // Before, the second connection took the "present" session to hold the filter and sent no
      // SUBSCRIBE: nothing published from then on ever came, silently.
      expect(proxy.subscribes()).toBe(2);
      await publish('follow-forgetful/a', range(0, 3));
      await run.committed(3);
      run.stop.abort();
      await run.result;
    } finally {
      await proxy.close();
    }
  });

  it('a filter refused on a reconnection is subscribed again on the next one: the session the broker kept is not taken to hold it', async () => {
    // Before, the run's third connection resumed the session the broker kept after the refusal,
    // which lacked fr/b/#, and sent no SUBSCRIBE: what was published there never came, silently.
    const broker = lostSessionRefusing('follow-partial/b/#');
    const proxy = await startPacketProxy({ brokerPort: env.broker.port, fromClient: broker.fromClient, fromBroker: broker.fromBroker });
    try {
      const topics = [{ path: 'follow-partial/a/#', qos: 'AtLeastOnce' as const }, { path: 'follow-partial/b/#', qos: 'AtLeastOnce' as const }];
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'follow-partial', port: proxy.port, topics }) });
      const errors: string[] = [];
      let sessions = 0;
      const run = follow('follow-partial', { follow: { reconnectMinMs: 10, reconnectMaxMs: 20 }, onConnected: () => void sessions++, onReconnect: ({ error }) => errors.push(error.code) });
      await Promise.race([until(() => sessions === 1), run.result]);
      broker.arm();
      proxy.hangUp();
      await Promise.race([until(() => sessions === 2), run.result]);
      expect(errors).toEqual(['CONNECTION_LOST', 'BROKER_NOT_AUTHORIZED']);
      await publish('follow-partial/a/x', [0, 1]);
      await publish('follow-partial/b/x', [2, 3]);
      await run.committed(4);
      run.stop.abort();
      await run.result;
    } finally {
      await proxy.close();
    }
  });

  it('an MQTT 5 broker that keeps fewer messages in flight than asked (EMQX: 32) has its window learned at its second stop: then each window is staged and acknowledged, not one a linger', async () => {
    // The proxy keeps 32 messages in flight, whatever receive maximum the run asked for (two batches).
    const proxy = await startPacketProxy({ brokerPort: env.broker.port, inflightLimit: 32 });
    try {
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'follow-window', port: proxy.port, topics: [{ path: 'follow-window/#', qos: 'AtLeastOnce' }] }) });
      const stagings: number[] = [];
      const store = new Proxy(env.store.ingest, {
        get: (target, key) => {
          const value = Reflect.get(target, key) as unknown;
          if (key !== 'commit' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
          return (...cs: SliceCommit[]) => {
            for (const c of cs) if (c.stage) stagings.push(c.stage.rows.length);
            return value.apply(target, cs);
          };
        },
      });
      // No commit falls due for 10 minutes, and the first window waits out a 1 s linger: it looks
      // the same as a pause of the stream. From the second stop at 32 on the windows are staged
      // (before, one window was published a linger: 16 slices, nothing staged).
      const run = follow('follow-window', { store, options: { connectTimeoutMs: 2000, protocolVersion: 5 }, follow: { commitIntervalMs: 600_000, lingerMs: 1000 } });
      await run.subscribed;
      await publish('follow-window/a', range(0, 500));
      await run.committed(500);
      run.stop.abort();
      await run.result;
      expect(stagings.length).toBeGreaterThanOrEqual(10);
      expect(stagings.every((n) => n <= 32)).toBe(true);
      expect((await committedRows(env.store, 'follow-window')).map((r) => r.value).sort((x, y) => Number(x) - Number(y))).toEqual(range(0, 500));
      // The slices' messages include the staged ones: every message is reported once.
      expect(run.commits.reduce((n, c) => n + c.messages.length, 0)).toBe(500);
      expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-window'))).problems).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('reports with each slice the messages of the batches it holds: its staged windows, not a staged batch that gave no rows', async () => {
    await add('follow-report');
    const { id } = await getDatasetOrThrow(env.store.datasets, defaultWorkspaceKey('follow-report'));
    // Over MQTT 3.1.1 Mosquitto's windows of 20 are staged; the linger publishes them.
    const run = follow('follow-report', { options: { connectTimeoutMs: 2000, protocolVersion: 4 }, follow: { commitIntervalMs: 600_000, lingerMs: 300 } });
    await run.subscribed;
    await publish('follow-report/a', range(0, 30));
    await run.committed(30);
    // The same readings again: Ledger keeps none of them, so their staged batches stage no rows.
    await publish('follow-report/a', range(0, 30));
    await until(async () => (await env.store.datasets.pulls(id, 1))[0]?.messagesReceived === 60);
    await publish('follow-report/a', [30]);
    await run.committed(31);
    run.stop.abort();
    await run.result;
    // Before, the redelivered 30 came along with the next slice (and were held until it came).
    expect(run.commits.at(-1)!.messages.map((m) => JSON.parse(m.payload.toString()).value)).toEqual([30]);
    expect(run.commits.reduce((n, c) => n + c.messages.length, 0)).toBe(31);
  });

  it('rows staged for an MQTT 3.1.1 broker become a slice when the broker goes away, not when it is back', async () => {
    let brokerGone = false;
    const proxy = await startPacketProxy({ brokerPort: env.broker.port, fromClient: (p) => (brokerGone && p.cmd === 'connect' ? 'hang up' : 'pass') });
    try {
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'follow-staged-gone', port: proxy.port, topics: [{ path: 'follow-staged-gone/#', qos: 'AtLeastOnce' }] }) });
      const { num } = await getDatasetOrThrow(env.store.datasets, defaultWorkspaceKey('follow-staged-gone'));
      const staged = async () => (await env.store.ingest.loadStagedRows(num)).reduce((n, b) => n + b.rows.length, 0);
      // No commit falls due: Mosquitto's 3.1.1 windows are staged and acknowledged, not published.
      const run = follow('follow-staged-gone', { options: { connectTimeoutMs: 2000, protocolVersion: 4 }, follow: { commitIntervalMs: 600_000, lingerMs: 600_000, reconnectMinMs: 10, reconnectMaxMs: 20 } });
      await run.subscribed;
      await publish('follow-staged-gone/a', range(0, 30));
      await until(async () => (await staged()) === 30);
      expect(await committedRows(env.store, 'follow-staged-gone')).toEqual([]);
      brokerGone = true;
      proxy.hangUp();
      // Before, the rows waited unpublished for as long as the broker stayed away.
      await until(async () => (await committedRows(env.store, 'follow-staged-gone')).length === 30);
      expect(await staged()).toBe(0);
      run.stop.abort();
      await run.result;
    } finally {
      await proxy.close();
    }
  });

  it('merges the small slices at the tail: offsets contiguous, rows unchanged, verify passes', async () => {
    await add('follow-compact', '        kind: Append');
    const run = await followInBursts('follow-compact', 8, { enabled: true, minSlices: 3 });
    const ds = (await env.store.datasets.find(defaultWorkspaceKey('follow-compact')))!;
    const slices = await env.store.datasets.slices(ds.id);
    expect(run.commits.length).toBeGreaterThanOrEqual(8);
    expect(slices.length).toBeLessThan(run.commits.length);
    expect(slices.map((s) => [Number(s.offsetStart), Number(s.offsetEnd)])).toEqual([[0, 79]]);
    const rows = await committedRows(env.store, 'follow-compact');
    expect(rows.map((r) => Number(r.offset))).toEqual(range(0, 80));
    expect(rows.map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual(range(0, 80));
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-compact'))).problems).toEqual([]);
    // Slices of ten rows are encoded again together: a record batch per row would cost ~250 bytes each.
    expect((await sliceShapes('follow-compact')).map((s) => s.recordBatches)).toEqual([1]);
  });

  it('merges by joining the stored record batches: no row is read back, and the blocks after the merged run are linked anew', async () => {
    await add('follow-join', '        kind: Append');
    const { store, reads } = countingRowReads(env.store.ingest);
    const merges: number[] = [];
    // Commits of exactly 300 rows (a full batch, nothing else commits); runs close at 1,000 rows.
    const run = follow('follow-join', {
      store,
      follow: { commitIntervalMs: 600_000, lingerMs: 600_000, batchSize: 300, compaction: { enabled: true, minSlices: 100, targetRows: 1000 } },
      onCompact: (c) => merges.push(c.replaced),
    });
    await run.subscribed;
    await publish('follow-join/a', range(0, 2100));
    await run.committed(2100);
    run.stop.abort();
    await run.result;
    expect(run.commits.map((c) => c.rows)).toEqual(Array(7).fill(300));
    // [0, 899] closed when the fourth slice came (its block was linked anew), [900, 1799] when the seventh.
    expect(merges).toEqual([3, 3]);
    expect(await sliceShapes('follow-join')).toEqual([
      { offsets: [0, 899], blockOffsets: [0, 899], recordBatches: 3 },
      { offsets: [900, 1799], blockOffsets: [900, 1799], recordBatches: 3 },
      { offsets: [1800, 2099], blockOffsets: [1800, 2099], recordBatches: 1 },
    ]);
    expect(reads()).toBe(0);
    const rows = await committedRows(env.store, 'follow-join');
    expect(rows.map((r) => Number(r.offset))).toEqual(range(0, 2100));
    expect(rows.map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual(range(0, 2100));
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-join'))).problems).toEqual([]);
  });

  it('takes in the small slices an earlier run left at the tail', async () => {
    await add('follow-leftover', '        kind: Append');
    await followInBursts('follow-leftover', 3, { enabled: false, minSlices: 2 });
    await followAndMerge('follow-leftover', 30, 40, 100);
    expect((await sliceShapes('follow-leftover')).map((s) => s.offsets)).toEqual([[0, 39]]);
    expect((await committedRows(env.store, 'follow-leftover')).map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual(range(0, 40));
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-leftover'))).problems).toEqual([]);
  });

  it('a reader that started before a compaction still reads every row (export, tail and the Data tab read slices in several queries)', async () => {
    await add('follow-readmerge', '        kind: Append');
    // 12 slices of 10 rows: more than one query's worth of slices (8).
    await followInBursts('follow-readmerge', 12, { enabled: false, minSlices: 2 });
    const ds = (await env.store.datasets.find(defaultWorkspaceKey('follow-readmerge')))!;
    const reading = env.store.ingest.readRows(ds.num)[Symbol.asyncIterator]();
    const first = await reading.next();
    // The next run merges every small slice at the tail into one, [0, 129], while the reader is at offset 10.
    await followAndMerge('follow-readmerge', 120, 130, 2);
    expect((await sliceShapes('follow-readmerge')).map((s) => s.offsets)).toEqual([[0, 129]]);
    const offsets = (first.value as { offset: bigint }[]).map((r) => Number(r.offset));
    for (let r = await reading.next(); !r.done; r = await reading.next()) offsets.push(...r.value.map((row) => Number(row.offset)));
    // The rows committed when the read began, each once (asking for slices after the last one read ended at 80).
    expect(offsets).toEqual(range(0, 120));
  });

  it('verify reads the chain as of one instant: a run committing and merging slices meanwhile does not make it report damage', async () => {
    await add('follow-verify', '        kind: Append');
    await followInBursts('follow-verify', 12, { enabled: false, minSlices: 2 });
    // A run commits 10 more rows and merges every slice into one after verify read the blocks and
    // slices, before it reads their rows.
    const meanwhile = () => followAndMerge('follow-verify', 120, 130, 2);
    const datasets = new Proxy(env.store.datasets, {
      get: (target, key) =>
        key === 'chainSnapshot'
          ? (...[id, num, read]: Parameters<typeof target.chainSnapshot>) => target.chainSnapshot(id, num, async (chain) => (await meanwhile(), read(chain)))
          : (Reflect.get(target, key) as (...a: unknown[]) => unknown).bind(target),
    });
    const report = await verifyDataset({ ...env.store, datasets } as typeof env.store, defaultWorkspaceKey('follow-verify'));
    // The 12 bursts' slices (a burst may have been committed in two), as they were before the merge.
    expect(report).toMatchObject({ problems: [], rows: 120 });
    expect(report.slices).toBeGreaterThanOrEqual(12);
    expect((await sliceShapes('follow-verify')).map((s) => s.offsets)).toEqual([[0, 129]]);
    expect(await verifyDataset(env.store, defaultWorkspaceKey('follow-verify'))).toMatchObject({ problems: [], slices: 1, rows: 130 });
  });

  it('a slice that does not encode to its hash stops the compaction with a warning, and the run commits on', async () => {
    await add('follow-badslice', '        kind: Append');
    await followInBursts('follow-badslice', 2, { enabled: false, minSlices: 2 });
    // The store answers the first slice with a hash its rows do not encode to (as a damaged row would).
    const damaged = new Proxy(env.store.ingest, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        if (key !== 'loadSliceArrow' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          const s = await (value as (...a: unknown[]) => Promise<{ offsetStart: bigint; hash: string } | undefined>).apply(target, args);
          return s && s.offsetStart === 0n ? { ...s, hash: `${s.hash.slice(0, -4)}0000` } : s;
        };
      },
    });
    const stopped: Error[] = [];
    const second = follow('follow-badslice', { store: damaged, follow: { commitIntervalMs: 50, compaction: { enabled: true, minSlices: 2, targetRows: 1000 } }, onCompactionStopped: (e) => stopped.push(e) });
    await second.subscribed;
    await publish('follow-badslice/a', range(20, 30));
    await second.committed(10);
    await publish('follow-badslice/a', range(30, 40));
    await second.committed(20);
    second.stop.abort();
    await second.result;
    expect(stopped.map((e) => e.message)).toEqual(['the slice at offset 0 does not encode to its hash; compaction stopped (sluice verify tells more)']);
    // Nothing merged: every slice holds at most one burst.
    const shapes = await sliceShapes('follow-badslice');
    expect(shapes.at(-1)!.offsets[1]).toBe(39);
    expect(shapes.every((s) => s.offsets[1] - s.offsets[0] < 10)).toBe(true);
    expect((await committedRows(env.store, 'follow-badslice')).map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual(range(0, 40));
  });

  it('a follow process whose output reader went away (`| head`) stops as on Ctrl+C: it commits what it holds and ends its pull', async () => {
    await add('follow-head', '        kind: Append', 'AtLeastOnce');
    const child = spawn(process.execPath, [SLUICE, 'pull', 'follow-head', '--follow', '--commit-interval', '100ms'], {
      env: { ...process.env, DATABASE_URL: env.store.databaseUrl, SLUICE_SECRET_KEY: TEST_SECRET_KEY.toString('base64') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const following = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => (stderr += d) && stderr.includes('following') && resolve()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await Promise.race([following, exited]);
    // The reader closes its end: the commit line the run writes next meets a closed pipe (EPIPE).
    child.stdout.destroy();
    await publish('follow-head/a', range(0, 10));
    // It exited at once (exit 0, the pull left "running" with its lease) before this.
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/error|EPIPE/i);
    const ds = (await env.store.datasets.find(defaultWorkspaceKey('follow-head')))!;
    expect((await env.store.datasets.pulls(ds.id))[0].status).not.toBe('running');
    expect((await committedRows(env.store, 'follow-head')).map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual(range(0, 10));
  });

  it('a follow process killed with SIGKILL loses nothing and the next pull duplicates nothing (Ledger)', async () => {
    await add('follow-killed');
    const child = spawn(process.execPath, [SLUICE, 'pull', 'follow-killed', '--follow', '--commit-interval', '100ms'], {
      env: { ...process.env, DATABASE_URL: env.store.databaseUrl, SLUICE_SECRET_KEY: TEST_SECRET_KEY.toString('base64') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const firstCommit = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('committed') && resolve()));
    const following = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => d.toString().includes('following') && resolve()));
    const exited = new Promise((resolve) => child.on('close', resolve));
    await Promise.race([following, exited]);
    await publish('follow-killed/a', range(0, 50));
    await firstCommit;
    const more = publish('follow-killed/a', range(50, 300));
    child.kill('SIGKILL');
    await Promise.all([more, exited]);
    await pullUntilCaughtUp({ store: env.store.ingest, dataset: defaultWorkspaceKey('follow-killed'), options: { idleTimeoutMs: TEST_IDLE_MS } });
    const values = (await committedRows(env.store, 'follow-killed')).map((r) => Number(r.value));
    expect(new Set(values).size).toBe(300);
    expect(values.length).toBe(300);
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-killed'))).problems).toEqual([]);
  });
});
