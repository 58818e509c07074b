/**
 * Sluice's delivery promise, proven on one broker: nothing acknowledged before it is committed, so
 * a crash loses nothing; Ledger (and QoS 2 where the broker grants it) never duplicates; a pull
 * drains what the broker holds; a lower QoS grant is recorded and explained (issue 15).
 *
 * One function, one describe block per broker; each broker's file (delivery-<broker>.test.ts) calls
 * it, so vitest runs the brokers in parallel, each with its broker and database started once.
 */
import path from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFailed } from 'vitest';
import { addDataset } from '../../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../../lib/datasets/dataset-key';
import { verifyDataset } from '../../../lib/datasets/verify-dataset';
import { pullUntilCaughtUp } from '../../../lib/ingest/pull-until-caught-up';
import { runPollingIngest } from '../../../lib/ingest/run-polling-ingest';
import { runNode, sluice } from '../../support/cli';
import { committedRows } from '../../support/committed-rows';
import { mqttManifest } from '../../support/manifests';
import { TEST_IDLE_MS } from '../../support/pull-timing';
import { startAnswerHoldingProxy } from '../../support/answer-holding-proxy';
import { useTestBrokerAndStore } from '../../support/broker-and-store';
import { REFUSED_FILTER, TEST_NATS_ACK_WAIT_S, type BrokerKind } from '../../support/test-broker';

type Qos = 'AtLeastOnce' | 'ExactlyOnce';

export function deliverySuite(kind: BrokerKind): void {
  const env = useTestBrokerAndStore(kind);
  const key = defaultWorkspaceKey;
  const reading = (i: number, device = 'd1') => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), device, value: i });
  const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
  /**
   * A safety net, not a measurement: a killed RabbitMQ booting again while the suite's type check
   * and console build run took most of the default 180 s before the test's own steps began.
   */
  const RESTART_TEST_TIMEOUT_MS = 420_000;

  /** Publishes with at most 20 unacknowledged (Mosquitto refuses QoS 2 past its inbound window). */
  async function publish(topic: string, payloads: string[], opts: { qos?: 0 | 1 | 2; retain?: boolean } = {}) {
    const qos = Math.min(opts.qos ?? 1, env.broker.maxPublishQos) as 0 | 1 | 2;
    const c = await mqtt.connectAsync(env.broker.url, { ...env.broker.user, protocolVersion: 4, reconnectPeriod: 0 });
    const inFlight = new Set<Promise<unknown>>();
    for (const p of payloads) {
      const sent = c.publishAsync(topic, p, { qos, retain: opts.retain ?? false }).finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      if (inFlight.size >= 20) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await c.endAsync();
  }

  /** Pull options: the broker's redelivery wait is NATS's shortened ack wait, plus a margin. */
  const PULL = { idleTimeoutMs: TEST_IDLE_MS, redeliveryWaitMs: TEST_NATS_ACK_WAIT_S * 1000 + 1000 };
  const pull = (name: string) => runPollingIngest({ store: env.store.ingest, dataset: key(name), options: PULL });
  /** As `sluice pull` does: until caught up, waiting once for a broker that withholds redeliveries. */
  let waits = 0;
  const pullAll = (name: string, options = {}) =>
    pullUntilCaughtUp({ store: env.store.ingest, dataset: key(name), options: { ...PULL, ...options }, waitForRedelivery: true, onWaiting: () => waits++ });

  async function add(name: string, topic: string, qos: Qos, merge?: string, credentials = env.broker.user) {
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: topic, qos }], merge, ...credentials }) });
  }

  /** Adds a dataset and pulls once: the broker session exists from then on and queues for it. */
  async function addWithSession(name: string, topic: string, qos: Qos, merge?: string) {
    await add(name, topic, qos, merge);
    await pull(name);
  }

  async function values(name: string): Promise<number[]> {
    return (await committedRows(env.store, name)).map((r) => r.value as number).sort((a, b) => a - b);
  }

  /** Every pull wrote at most one slice, and the chain holds exactly one AddData block per slice. */
  async function expectOneSlicePerPull(name: string) {
    const ds = (await env.store.datasets.find(key(name)))!;
    const pulls = await env.store.datasets.pulls(ds.id);
    expect(pulls.filter((p) => p.slices > 1)).toEqual([]);
    const addData = (await env.store.datasets.blocks(ds.id)).filter((b) => b.event.kind === 'AddData');
    expect(addData).toHaveLength(pulls.reduce((n, p) => n + p.slices, 0));
    expect((await verifyDataset(env.store, key(name))).problems).toEqual([]);
  }

  describe(`[BROKERS] ${kind}: delivery guarantees`, () => {
    it('reads the granted QoS from the SUBACK, records a lower grant on the pull, and says what it means', async () => {
      await add('granted', 'granted/#', 'ExactlyOnce', '        kind: Append');
      const first = await pull('granted');
      const expected = env.broker.maxGrantedQos < 2 ? [{ path: 'granted/#', asked: 2, granted: env.broker.maxGrantedQos }] : [];
      expect(first.qosDowngrades).toEqual(expected);
      // The resumed session is not subscribed again: the grant recorded with its topics is reported.
      const resumed = await pull('granted');
      expect(resumed.qosDowngrades).toEqual(expected);
      const ds = (await env.store.datasets.find(key('granted')))!;
      const [record] = await env.store.datasets.pulls(ds.id);
      expect(record.qosDowngrades ?? []).toEqual(expected);
      const { guarantee } = await verifyDataset(env.store, key('granted'));
      if (env.broker.maxGrantedQos < 2) {
        expect(guarantee).toMatchObject({ level: 'at-least-once', confirmed: true });
        expect(guarantee!.reason).toBe('broker granted QoS 1 for topic "granted/#" (asked 2): after a crash an Append dataset may receive a message twice');
      } else {
        expect(guarantee).toMatchObject({ level: 'exactly-once', confirmed: true });
      }
    });

    if (kind === 'rabbitmq') {
      it('`sluice pull`, `list` and `verify` say that QoS 2 was granted as QoS 1 and what that means', async () => {
        const note = 'broker granted QoS 1 for topic "granted/#" (asked 2): after a crash an Append dataset may receive a message twice';
        const pulled = await sluice(env.databaseUrl, 'pull', 'granted');
        expect(pulled.code, pulled.stderr).toBe(0);
        expect(pulled.stdout).toContain(`granted: up to date`);
        expect(pulled.stdout).toContain(`note: ${note}`);
        const listed = await sluice(env.databaseUrl, 'list');
        expect(listed.stdout).toMatch(/granted\s.*Append\s+at-least-once\s/);
        const verified = await sluice(env.databaseUrl, 'verify', 'granted');
        expect(verified.stdout).toContain(`delivery: at-least-once: ${note}`);
      });
    }

    it('a persistent session\'s backlog of several record caps is drained by one pull-until-caught-up, one slice per pull', async () => {
      await addWithSession('backlog', 'backlog/#', 'AtLeastOnce');
      await publish('backlog/x', range(300).map((i) => reading(i)));
      waits = 0;
      const r = await pullAll('backlog', { recordCap: 100 });
      expect(r).toMatchObject({ rowsCommitted: 300, duplicates: 0 });
      expect(r.pulls).toBeGreaterThanOrEqual(3);
      // The pulls share one connection: no broker is left holding messages between them.
      expect(waits).toBe(0);
      expect(r.pending).toBeUndefined();
      expect(await values('backlog')).toEqual(range(300));
      await expectOneSlicePerPull('backlog');
    });

    if (kind === 'rabbitmq') {
      it('a pull does not end "updated" while the broker pauses mid-backlog (RabbitMQ: prefetch 10)', async () => {
        // The pull learns the window of 10 from three releases answered; after the fourth, the
        // broker sends 6 and pauses for 2.5 idle timeouts, as RabbitMQ under load did.
        const proxy = await startAnswerHoldingProxy({ brokerPort: env.broker.port, afterReleases: 4, passMessages: 6, holdMs: 2.5 * TEST_IDLE_MS });
        try {
          const port = Number(new URL(proxy.url).port);
          await addDataset({ store: env.store, manifest: mqttManifest({ name: 'slowanswer', port, topics: [{ path: 'slowanswer/#', qos: 'AtLeastOnce' }], ...env.broker.user }) });
          await pull('slowanswer');
          await publish('slowanswer/x', range(75).map((i) => reading(i)));
          const r = await pull('slowanswer');
          expect(proxy.held()).toBe(true);
          expect(r).toMatchObject({ status: 'updated', messagesReceived: 75, rowsCommitted: 75, hasMore: false });
          expect(await values('slowanswer')).toEqual(range(75));
        } finally {
          await proxy.close();
        }
      });
    }

    it('after a pull that stopped at its cap and disconnected, the next run never says "up to date" while the broker holds the rest', async () => {
      await addWithSession('capped', 'capped/#', 'AtLeastOnce');
      await publish('capped/x', range(60).map((i) => reading(i)));
      expect(await runPollingIngest({ store: env.store.ingest, dataset: key('capped'), options: { ...PULL, recordCap: 20 } })).toMatchObject({ rowsCommitted: 20, hasMore: true });
      const next = await pullUntilCaughtUp({ store: env.store.ingest, dataset: key('capped'), options: PULL });
      // NATS withholds what the capped pull left unacknowledged until its ack wait has passed.
      if (next.pending) expect(next.pending.reason).toContain('more is pending at the broker');
      else expect(await values('capped')).toEqual(range(60));
      if (kind !== 'nats') expect(next.pending).toBeUndefined();
      expect((await pullAll('capped')).pending).toBeUndefined();
      expect(await values('capped')).toEqual(range(60));
    });

    it('retained messages with Ledger: one row per reading across pulls and re-subscriptions', async () => {
      await publish('retained/d1', [reading(1)], { retain: true });
      await publish('retained/d2', [reading(1, 'd2')], { retain: true });
      // Exact filters: RabbitMQ 3.x sends retained messages only to subscriptions without wildcards.
      await addDataset({
        store: env.store,
        manifest: mqttManifest({ name: 'retained', port: env.broker.port, topics: ['retained/d1', 'retained/d2'].map((path) => ({ path, qos: 'AtLeastOnce' as const })), ...env.broker.user }),
      });
      expect(await pull('retained')).toMatchObject({ rowsCommitted: 2 });
      expect(await pull('retained')).toMatchObject({ status: 'up_to_date', rowsCommitted: 0 });
      // A lost broker session means a fresh subscription, which sends the retained messages again.
      await env.store.prisma.$executeRawUnsafe(`UPDATE dataset SET session_topics = '[]' WHERE id = $1`, (await env.store.datasets.find(key('retained')))!.id);
      expect(await pull('retained')).toMatchObject({ messagesReceived: 2, rowsCommitted: 0, status: 'up_to_date' });
      expect(await values('retained')).toEqual([1, 1]);

      await add('retainedwild', 'retained/+', 'AtLeastOnce');
      expect(await pull('retainedwild')).toMatchObject({ rowsCommitted: kind === 'rabbitmq' ? 0 : 2 });
    });

    const crashingPull = (dataset: string, when: 'before' | 'after') =>
      runNode(path.resolve(import.meta.dirname, '../../support/crashing-pull.ts'), [dataset, when], { DATABASE_URL: env.databaseUrl });

    it('SIGKILL after a commit, before its acknowledgements: the re-pull loses nothing and Ledger drops the redelivery', async () => {
      await addWithSession('killledger', 'killledger/#', 'AtLeastOnce');
      await publish('killledger/x', range(40).map((i) => reading(i)));
      const crashed = await crashingPull('killledger', 'after');
      expect(crashed.signal, crashed.stdout + crashed.stderr).toBe('SIGKILL');
      waits = 0;
      expect((await pullAll('killledger')).pending).toBeUndefined();
      // A broker that marks what it resends DUP (MQTT-3.3.1-1) costs no redelivery wait; RabbitMQ
      // does not mark them, and NATS withholds them for its ack wait.
      if (kind === 'mosquitto' || kind === 'embedded') expect(waits).toBe(0);
      expect(await values('killledger')).toEqual(range(40));
      await expectOneSlicePerPull('killledger');
    });

    it(`SIGKILL mid-pull of an ExactlyOnce Append dataset: nothing lost; ${kind === 'nats' || kind === 'rabbitmq' ? 'granted QoS 1, so duplicates are possible and said' : 'QoS 2 granted, so nothing duplicated'}`, async () => {
      await addWithSession('killappend', 'killappend/#', 'ExactlyOnce', '        kind: Append');
      await publish('killappend/x', range(30).map((i) => reading(i)), { qos: 2 });
      const crashed = await crashingPull('killappend', 'after');
      expect(crashed.signal, crashed.stdout + crashed.stderr).toBe('SIGKILL');
      expect((await pullAll('killappend')).pending).toBeUndefined();
      const got = await values('killappend');
      expect([...new Set(got)]).toEqual(range(30));
      if (env.broker.maxGrantedQos === 2) expect(got).toEqual(range(30));
      else expect((await verifyDataset(env.store, key('killappend'))).guarantee).toMatchObject({ level: 'at-least-once' });
      await expectOneSlicePerPull('killappend');
    });

    it(`a broker ${kind === 'embedded' ? 'restart' : 'kill -9 and restart'} mid-pull fails the pull with CONNECTION_LOST; nothing acknowledged is lost, none duplicated`, { timeout: RESTART_TEST_TIMEOUT_MS }, async () => {
      // Where a run that ran out of time was: RabbitMQ's restart on a loaded machine has taken most of the default timeout.
      let stage = 'adding';
      onTestFailed(() => console.error(`${kind} restart test failed while ${stage}`));
      await addWithSession('restart', 'restart/#', 'AtLeastOnce');
      stage = 'publishing before the crash';
      await publish('restart/x', range(5).map((i) => reading(i)));
      // Mosquitto keeps only what its last autosave wrote; the others stored it before the PUBACK.
      await env.broker.persisted();
      let receiving!: () => void;
      const subscribed = new Promise<void>((resolve) => (receiving = resolve));
      // Killed while the pull holds the session: its messages received (committed or not: over MQTT
      // 5 a quiet pull commits only at its end, over 3.1.1 per window), the pull waiting for more.
      const outcome = runPollingIngest({
        store: env.store.ingest,
        dataset: key('restart'),
        options: { idleTimeoutMs: 60_000, maxDurationMs: 120_000 },
        onProgress: (p) => p.stage === 'receiving' && receiving(),
      }).then(
        () => 'resolved',
        (err: unknown) => err,
      );
      stage = 'waiting for the pull to subscribe';
      await subscribed;
      stage = 'crashing and restarting the broker';
      await (env.broker.crash ?? env.broker.restart)();
      stage = 'waiting for the pull to fail';
      expect(await outcome).toMatchObject({ code: 'CONNECTION_LOST' });
      stage = 'publishing after the restart';
      const ds = (await env.store.datasets.find(key('restart')))!;
      expect((await env.store.datasets.pulls(ds.id))[0]).toMatchObject({ status: 'failed', errorCode: 'CONNECTION_LOST' });
      await publish('restart/x', range(5, 5).map((i) => reading(i)));
      stage = 'the first pull after the restart';
      expect((await pullAll('restart')).pending).toBeUndefined();
      // Just restarted on a loaded machine, RabbitMQ went quiet past ten pulls' idle timeouts before
      // sending the session's new messages, and in some runs never sent them: it took them before it
      // had bound the session's queue again and dropped them as unroutable (acknowledged to the
      // publisher all the same, as MQTT allows for a topic no one subscribes to). So the new readings
      // that have not arrived are published again (Ledger keeps one row per reading) and a user
      // pulls until all have come, each pull adding only what the others did not. The five
      // acknowledged before the crash are never published again: losing one fails the test by its
      // timeout.
      stage = 'pulling until all ten have come';
      for (let got = await values('restart'); got.length < 10; got = await values('restart')) {
        stage = `pulling until all ten have come (${got.join(',')} so far)`;
        const missing = range(5, 5).filter((i) => !got.includes(i));
        if (missing.length) await publish('restart/x', missing.map((i) => reading(i)));
        await pullAll('restart');
      }
      expect(await values('restart')).toEqual(range(10));
      await expectOneSlicePerPull('restart');
    });

    it('a wrong password fails with BROKER_AUTH_FAILED and records the failed pull', async () => {
      await add('wrongpw', 'wrongpw/#', 'AtLeastOnce', undefined, { username: env.broker.user.username, password: 'not-the-password' });
      await expect(pull('wrongpw')).rejects.toMatchObject({ code: 'BROKER_AUTH_FAILED' });
      const ds = (await env.store.datasets.find(key('wrongpw')))!;
      expect((await env.store.datasets.pulls(ds.id))[0]).toMatchObject({ status: 'failed', errorCode: 'BROKER_AUTH_FAILED' });
    });

    it('a malformed payload among valid ones is quarantined; the valid ones are committed', async () => {
      await addWithSession('quarantine', 'quarantine/#', 'AtLeastOnce');
      await publish('quarantine/x', [reading(1), '{not json', reading(2)]);
      expect(await pull('quarantine')).toMatchObject({ rowsCommitted: 2, quarantined: 1 });
      const ds = (await env.store.datasets.find(key('quarantine')))!;
      expect((await env.store.datasets.quarantine(ds.id)).map((q) => Buffer.from(q.payload).toString())).toEqual(['{not json']);
    });

    const refused = REFUSED_FILTER[kind];
    if (refused) {
      it('a subscription the broker refuses fails the pull naming the filter (a SUBACK failure; RabbitMQ hangs up)', async () => {
        await addDataset({
          store: env.store,
          manifest: mqttManifest({ name: 'refused', port: env.broker.port, topics: [{ path: 'fine/#', qos: 'AtLeastOnce' }, { path: refused, qos: 'AtLeastOnce' }], ...env.broker.user }),
        });
        // 0x80; Mosquitto answers 0x87 (not authorized) over MQTT 5.
        const named = kind === 'rabbitmq' ? `closed the connection instead of answering the subscription to "fine/#", "${refused}"` : `refused the subscription to "${refused}" (SUBACK return code 0x8`;
        // BROKER_NOT_AUTHORIZED: `sluice pull` prints the message and exits 77.
        await expect(pull('refused')).rejects.toMatchObject({ code: 'BROKER_NOT_AUTHORIZED', message: expect.stringContaining(`the broker ${named}`) });
        const ds = (await env.store.datasets.find(key('refused')))!;
        expect((await env.store.datasets.pulls(ds.id))[0]).toMatchObject({ status: 'failed', errorCode: 'BROKER_NOT_AUTHORIZED' });
      });
    }
  });
}
