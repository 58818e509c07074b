import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { pullUntilCaughtUp } from '../../lib/ingest/pull-until-caught-up';
import { useBrokerAndStore } from '../support/broker-and-store';
import { committedRows } from '../support/committed-rows';
import { mqttManifest } from '../support/manifests';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from '../support/pull-timing';
import { startForgetfulProxy, startPacketProxy } from '../support/packet-proxy';
import { qos2MessageDigest } from '../../lib/mqtt/qos2-receipts';
import type { DatasetHead, SliceCommit } from '../../lib/ingest/ports';

const env = useBrokerAndStore();

/** A commit of pull `pullId` holding only a QoS 2 receipt of packet id 7. */
function receiptOnly(ds: DatasetHead, pullId: string, digest: string): SliceCommit {
  return {
    datasetId: ds.id,
    datasetNum: ds.num,
    expectedHeadHash: ds.headHash,
    systemTime: new Date(),
    blocks: [],
    nextOffset: ds.nextOffset,
    watermark: null,
    qos2Receipts: { add: [{ id: 7, digest }], remove: [] },
    quarantine: [],
    pull: { id: pullId, add: { messagesReceived: 1, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 } },
  };
}

const reading = (i: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), device: 'd', value: i });

async function publish(topic: string, payloads: string[], qos: 0 | 1 | 2 = 1) {
  const c = await mqtt.connectAsync(env.broker.url);
  for (const p of payloads) await c.publishAsync(topic, p, { qos });
  await c.endAsync();
}

const pull = (dataset: string, options = {}) => runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(dataset), options: { idleTimeoutMs: TEST_IDLE_MS, connectTimeoutMs: 2000, ...options } });

/** A pull that calls `onSubscribed` once, when it starts receiving (the stage comes again after each commit). */
function pullCalling(dataset: string, onSubscribed: () => void) {
  let called = false;
  return runPollingIngest({
    store: env.store.ingest,
    dataset: defaultWorkspaceKey(dataset),
    options: { idleTimeoutMs: TEST_IDLE_MS, maxDurationMs: 20_000, connectTimeoutMs: 2000 },
    onProgress: (p) => p.stage === 'receiving' && !called && ((called = true), onSubscribed()),
  });
}

async function add(name: string, topic: string, qos: 'AtLeastOnce' | 'ExactlyOnce' = 'AtLeastOnce', merge?: string) {
  await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: topic, qos }], merge }) });
}

describe('[RECOVERY] failures in the middle of a pull', () => {
  it('a broker that goes away mid-pull fails the pull promptly, records it, and frees the dataset', async () => {
    await add('brokerdies', 'brokerdies/#');
    // The broker goes away once the pull is subscribed and receiving (a condition, not a delay:
    // on a busy machine connecting can take longer than any fixed wait).
    let receiving!: () => void;
    const subscribed = new Promise<void>((resolve) => (receiving = resolve));
    const outcome = runPollingIngest({
      store: env.store.ingest,
      dataset: defaultWorkspaceKey('brokerdies'),
      options: { idleTimeoutMs: 10_000, maxDurationMs: 20_000, connectTimeoutMs: 2000 },
      onProgress: (p) => p.stage === 'receiving' && receiving(),
    }).then(
      () => 'resolved',
      (err: unknown) => err,
    );
    await subscribed;
    await env.broker.restart();
    // Neither the idle timeout nor the maximum duration can end the pull first: only noticing the
    // lost connection gives CONNECTION_LOST.
    expect(await outcome).toMatchObject({ code: 'CONNECTION_LOST' });
    const ds = (await env.store.datasets.find(defaultWorkspaceKey('brokerdies')))!;
    expect((await env.store.datasets.pulls(ds.id))[0]).toMatchObject({ status: 'failed', errorCode: 'CONNECTION_LOST' });
    await expect(pull('brokerdies')).resolves.toMatchObject({ status: 'up_to_date' });
  });

  it('the pull after a lost connection subscribes again: a broker that came back without the subscriptions, saying the session is present, still delivers', async () => {
    const proxy = await startForgetfulProxy(env.broker.port);
    try {
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'forgetful', port: proxy.port, topics: [{ path: 'forgetful/#', qos: 'AtLeastOnce' }] }) });
      // The first pull subscribes, and loses its connection while it receives.
      const lost = pullCalling('forgetful', () => proxy.hangUp());
      await expect(lost).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
      expect(proxy.subscribes()).toBe(1);
      proxy.arm();
      // Before, this pull resumed the "present" session without a SUBSCRIBE and ended up to date
      // while what was published went nowhere.
      const next = await pullCalling('forgetful', () => void publish('forgetful/a', [reading(1), reading(2)]));
      expect(proxy.subscribes()).toBe(2);
      expect(next.rowsCommitted + (await pull('forgetful')).rowsCommitted).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('over MQTT 5 every pull renews its subscriptions without their retained messages: a broker that lost them between pulls still delivers', async () => {
    const proxy = await startForgetfulProxy(env.broker.port);
    try {
      await addDataset({ store: env.store, manifest: mqttManifest({ name: 'renewed', port: proxy.port, topics: [{ path: 'renewed/#', qos: 'AtLeastOnce' }], merge: '        kind: Append' }) });
      const device = await mqtt.connectAsync(env.broker.url);
      await device.publishAsync('renewed/a', reading(1), { qos: 1, retain: true });
      await device.endAsync();
      expect(await pull('renewed')).toMatchObject({ rowsCommitted: 1 });
      // The session is resumed and subscribed again: the retained reading is not sent twice (Append would keep it).
      expect(await pull('renewed')).toMatchObject({ rowsCommitted: 0 });
      expect(proxy.subscribes()).toBe(2);
      // Between pulls, with no connection lost that Sluice saw, the broker forgot the subscription.
      proxy.arm();
      await pullCalling('renewed', () => void publish('renewed/a', [reading(2)]));
      await pull('renewed');
      const values = (await committedRows(env.store, 'renewed')).map((r) => Number(r.value));
      // Before, nothing published after the broker forgot ever came. The retained reading comes
      // again with the new subscription, as the broker must send it.
      expect(values).toContain(2);
    } finally {
      await proxy.close();
    }
  });

  it('a connection lost after the last commit, while the pull waits for PUBRELs, also has the next connection subscribe again', async () => {
    // The pull ends as it is then (its rows committed, the PUBCOMPs left for the next pull), and
    // it had left the session record confirmed.
    let hangUpAtPubrel = false;
    const proxy = await startPacketProxy({ brokerPort: env.broker.port, fromBroker: (p) => (hangUpAtPubrel && p.cmd === 'pubrel' ? 'hang up' : 'pass') });
    try {
      const name = 'lostatpubrel';
      await addDataset({ store: env.store, manifest: mqttManifest({ name, port: proxy.port, topics: [{ path: `${name}/#`, qos: 'ExactlyOnce' }], merge: '        kind: Append' }) });
      const key = defaultWorkspaceKey(name);
      const capped = () => runPollingIngest({ store: env.store.ingest, dataset: key, options: { idleTimeoutMs: TEST_IDLE_MS, connectTimeoutMs: 2000, recordCap: 3 } });
      await capped();
      expect((await env.store.ingest.getDatasetHead(key))!.sessionTopicsConfirmed).toBe(true);
      await publish(`${name}/a`, [reading(1), reading(2), reading(3)], 2);
      hangUpAtPubrel = true;
      expect(await capped()).toMatchObject({ rowsCommitted: 3 });
      expect((await env.store.ingest.getDatasetHead(key))!.sessionTopicsConfirmed).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it("a connection lost in a run's second pull, on the session the first handed over, also has the next connection subscribe again", async () => {
    // The first pull (a cap of 2) acknowledges two messages and hands its session to the second,
    // whose first acknowledgement the proxy answers by hanging up.
    let acks = 0;
    const proxy = await startPacketProxy({ brokerPort: env.broker.port, fromClient: (p) => (p.cmd === 'puback' && ++acks === 3 ? 'hang up' : 'pass') });
    try {
      const name = 'lostinhandover';
      await addDataset({ store: env.store, manifest: mqttManifest({ name, port: proxy.port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }) });
      const key = defaultWorkspaceKey(name);
      await pull(name);
      acks = 0;
      await publish(`${name}/a`, [1, 2, 3, 4, 5].map(reading));
      await expect(pullUntilCaughtUp({ store: env.store.ingest, dataset: key, options: { idleTimeoutMs: TEST_IDLE_MS, connectTimeoutMs: 2000, recordCap: 2 } })).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
      expect(acks).toBe(3);
      expect((await env.store.ingest.getDatasetHead(key))!.sessionTopicsConfirmed).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('QoS 2 receipts of a broker session that was lost do not swallow the new session\'s messages', async () => {
    await add('lostsession', 'lostsession/#', 'ExactlyOnce', '        kind: Append');
    await pull('lostsession');
    const ds = (await env.store.datasets.find(defaultWorkspaceKey('lostsession')))!;
    // Receipts left by an interrupted exchange; then the broker forgets the session.
    await env.store.prisma.qos2Receipt.createMany({ data: [1, 2].map((packetId) => ({ datasetId: ds.id, packetId })) });
    const wipe = await mqtt.connectAsync(env.broker.url, { clientId: ds.mqttClientId, clean: true });
    await wipe.endAsync();

    await pull('lostsession'); // a new session, subscribed afresh
    expect(await env.store.ingest.loadQos2Receipts(ds.id)).toEqual(new Map());
    await publish('lostsession/x', [reading(1), reading(2), reading(3)], 2);
    expect(await pull('lostsession')).toMatchObject({ rowsCommitted: 3, duplicates: 0 });
  });

  it('a new message under a receipted packet id is ingested, the receipt\'s own message is not (a broker that lost its QoS 2 state but resumed the session)', async () => {
    await add('reusedids', 'reusedids/#', 'ExactlyOnce', '        kind: Append');
    await pull('reusedids'); // subscribes: the broker holds the session from here on
    const ds = (await env.store.datasets.find(defaultWorkspaceKey('reusedids')))!;
    // Receipts of an exchange the broker no longer knows of, for reading 1, under every id it may
    // number the next messages with: it numbers them afresh, as a restarted broker does.
    const digest = qos2MessageDigest({ topic: 'reusedids/x', payload: Buffer.from(reading(1)) });
    await env.store.prisma.qos2Receipt.createMany({ data: Array.from({ length: 100 }, (_, i) => ({ datasetId: ds.id, packetId: i + 1, digest })) });
    await publish('reusedids/x', [reading(1), reading(2), reading(3)], 2);
    // Reading 1 under a receipt for it cannot be told from its redelivery; the others are new (all three were dropped before).
    expect(await pull('reusedids')).toMatchObject({ messagesReceived: 3, rowsCommitted: 2, duplicates: 1 });
    expect((await committedRows(env.store, 'reusedids')).map((r) => Number(r.value))).toEqual([2, 3]);
  });

  it("a receipt taken under a receipted packet id replaces the stored one's digest", async () => {
    await add('replaced', 'replaced/#', 'ExactlyOnce');
    const ds = (await env.store.ingest.getDatasetHead(defaultWorkspaceKey('replaced')))!;
    const lease = await env.store.ingest.acquirePullLease(ds.id, 'replacing');
    try {
      await env.store.ingest.commit(receiptOnly(ds, 'replacing', 'stale'));
      await env.store.ingest.commit(receiptOnly(ds, 'replacing', 'new'));
      expect(await env.store.ingest.loadQos2Receipts(ds.id)).toEqual(new Map([[7, 'new']]));
    } finally {
      await lease.release();
    }
  });

  it('a pull that lost its lease cannot commit', async () => {
    await add('stolen', 'stolen/#');
    const ds = (await env.store.ingest.getDatasetHead(defaultWorkspaceKey('stolen')))!;
    const first = await env.store.ingest.acquirePullLease(ds.id, 'first');
    await env.store.prisma.dataset.update({ where: { id: ds.id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    const second = await env.store.ingest.acquirePullLease(ds.id, 'second');
    await expect(env.store.ingest.commit(receiptOnly(ds, 'first', 'a digest'))).rejects.toMatchObject({ code: 'PULL_ALREADY_RUNNING' });
    expect(await env.store.ingest.loadQos2Receipts(ds.id)).toEqual(new Map());
    await first.release();
    await second.release();
  });

  it("a run's lease passes from pull to pull with no moment free, and a run that lost it cannot pass it on", async () => {
    await add('passed', 'passed/#');
    const ds = (await env.store.ingest.getDatasetHead(defaultWorkspaceKey('passed')))!;
    const lease = await env.store.ingest.acquirePullLease(ds.id, 'run-1');
    await env.store.ingest.startPull(ds.id, 'run-1');
    await lease.passTo('run-2');
    // Held by the run's second pull, which is recorded as running: no other pull can start.
    await expect(env.store.ingest.acquirePullLease(ds.id, 'other')).rejects.toMatchObject({ code: 'PULL_ALREADY_RUNNING' });
    expect((await env.store.datasets.pulls(ds.id)).map((p) => [p.id, p.status])).toContainEqual(['run-2', 'running']);
    // Expired and taken by another pull: the run's next pull does not start.
    await env.store.prisma.dataset.update({ where: { id: ds.id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    const other = await env.store.ingest.acquirePullLease(ds.id, 'other');
    await expect(lease.passTo('run-3')).rejects.toMatchObject({ code: 'PULL_ALREADY_RUNNING' });
    expect((await env.store.datasets.pulls(ds.id)).map((p) => p.id)).not.toContain('run-3');
    await other.release();
  });

  it('after --replace with other topics, the old filter is unsubscribed and its messages are not ingested', async () => {
    await add('moved', 'moved-old/#');
    await pull('moved');
    await addDataset({
      store: env.store,
      replace: true,
      manifest: mqttManifest({ name: 'moved', port: env.broker.port, topics: [{ path: 'moved-new/#', qos: 'AtLeastOnce' }] }),
    });
    await pull('moved');
    await publish('moved-old/x', [reading(1)]);
    await publish('moved-new/x', [reading(2)]);
    const r = await pull('moved');
    expect(r.rowsCommitted).toBe(1);
    expect((await committedRows(env.store, 'moved')).map((row) => row.value)).toEqual([2]);
  });
});
