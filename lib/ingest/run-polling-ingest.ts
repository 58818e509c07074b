import { isSluiceError, SluiceError } from '../errors';
import { secretsForConnection, type StoredSecrets } from '../secrets/secret-release';
import type { TemplateLookup } from '../odf';
import { qosDowngrades, type MqttSession, type MqttSessionHandlers, type MqttSessionOptions, type OpenMqttSession, type QosDowngrade, type ReceivedMessage } from './fetch/mqtt-session';
import { SessionRelay } from './fetch/session-relay';
import { SessionRecord } from './session-record';
import { mqttSourceConfig, sourceBrokerUrl, type MqttSourceConfig } from './mqtt-source-config';
import type { DatasetHead, IngestStore, PullCounters, PullLease } from './ports';
import type { DatasetKey } from '../datasets/dataset-key';
import { withheldAfterCap, withheldAfterInterruption, type PendingAtBroker } from './pending-at-broker';
import { resolvePullOptions, type PullOptions } from './pull-options';
import { recordedPull, type PreviousPull, type PullResult, type SessionHandOver } from './recorded-pull';
import { Waker } from './waker';
import { InflightWindow, slotsFreed, windowQuietMs } from './inflight-window';
import { PendingPubrels } from './pending-pubrels';
import { completeWhileHeld, ensureLeaseHeld } from './lease-fence';
import { readAheadPlan } from './read/read-ahead';
import { MessageQueue, messageBytes } from './message-queue';
import { batchesOf, configureSchema, SliceWriter, systemClock, type Clock, type ConfiguredSchema, type PreparedCommit } from './slice-writer';

export { systemClock, stateSignature, type Clock } from './slice-writer';

export type PullStage = 'connecting' | 'receiving' | 'committing' | 'done';

export interface PullProgress extends PullCounters {
  stage: PullStage;
}

export type { PullResult, SessionHandOver } from './recorded-pull';

export interface RunPollingIngestArgs {
  store: IngestStore;
  dataset: DatasetKey;
  options?: Partial<PullOptions>;
  /**
   * What `${{ env.NAME }}` may use besides the stored secrets. Default: nothing. `sluice pull` and
   * the worker pass the environment variables their operator allowed for this dataset, bound to
   * brokers like stored secrets (see operatorEnvironment); the console passes none, so a manifest
   * never reads a server's environment.
   */
  environment?: { secrets: StoredSecrets; fallback: TemplateLookup };
  clock?: Clock;
  /**
   * Opens the broker session: on this thread unless given. The CLI and `sluice worker` pass
   * openThreadedMqttSession, so receiving runs beside reading, merging and encoding; the console
   * (a Next.js bundle) pulls on its request thread.
   */
  openSession?: OpenMqttSession;
  onProgress?: (progress: PullProgress) => void;
  /**
   * When the pull stops with more to take, keep its session open and return it as `handOver`
   * instead of disconnecting (pullUntilCaughtUp: see SessionRelay for why).
   */
  keepSession?: boolean;
  /** The previous pull's open session: used instead of connecting, and closed if this pull cannot start. */
  handOver?: SessionHandOver;
}

/**
 * One authoritative pull of an MQTT dataset: fetch → read → merge → stage → commit, writing one
 * slice and one AddData block per pull.
 *
 * Delivery guarantee: a QoS 1/2 message is acknowledged to the broker (PUBACK/PUBREC) only after
 * the transaction holding its rows (or its quarantine record) committed. A broker that waits for
 * acknowledgements (an in-flight window of its own, over MQTT 3.1.1 or 5, or a backlog larger than
 * a batch) gets them per window: the window's merged rows are committed to the dataset's staging
 * rows together with its key state and QoS 2 receipts, and the pull's end publishes every staged
 * row as the pull's slice. Batches taken once the pull takes no more messages are held in memory instead and
 * commit with the slice. QoS 2 packet identifiers are remembered until the broker's PUBREL, so a
 * redelivery after a crash is recognised and not ingested twice; the PUBCOMP leaves only once
 * that receipt is deleted. Rows a killed pull staged lead the next pull's slice. A crash at any
 * point therefore loses nothing and, for QoS 2 (or a merge with keys), duplicates nothing.
 */
export async function runPollingIngest(args: RunPollingIngestArgs): Promise<PullResult> {
  let started = false;
  try {
    return await runPull(args, () => (started = true));
  } finally {
    // A pull that could not start (lease lost) still owns the session it was handed.
    if (args.handOver && !started) await args.handOver.session.close();
  }
}

async function runPull(args: RunPollingIngestArgs, onStart: () => void): Promise<PullResult> {
  const handed = args.handOver;
  // The next pull of a run works from what the previous one knew: its lease kept the dataset to this run.
  const resolved = handed ? { ...handed.source, head: handed.writer.head } : await resolvePullSource(args);
  return recordedPull(
    args.store,
    resolved.head.id,
    (pullId, previous, lease) => {
      onStart();
      handed?.writer.nextPull(pullId);
      return new PullRun({ ...args, ...resolved, pullId, lease, writer: handed?.writer, ...previous });
    },
    handed?.lease,
  );
}

/** What a pull of an MQTT dataset works from: its head, source (secrets resolved), schema and options. */
export interface ResolvedPullSource {
  options: PullOptions;
  clock: Clock;
  head: DatasetHead;
  source: MqttSourceConfig;
  schema: ConfiguredSchema | undefined;
}

/** Reads the dataset's head and resolves its MQTT source; shared by a pull and a follow run. */
export async function resolvePullSource(args: Pick<RunPollingIngestArgs, 'store' | 'dataset' | 'options' | 'environment' | 'clock'>): Promise<ResolvedPullSource> {
  const options = resolvePullOptions(args.options);
  const clock = args.clock ?? systemClock;
  const head = await args.store.getDatasetHead(args.dataset);
  if (!head) throw new SluiceError('DATASET_NOT_FOUND', `no dataset named "${args.dataset.name}"`);
  // `${{ env.NAME }}` reads the stored secrets released to this broker first, then `env`.
  const brokerUrl = sourceBrokerUrl(head.snapshot);
  // Stored secrets over the operator's allowed environment; both released only to their brokers.
  const secrets =
    brokerUrl === undefined
      ? undefined
      : secretsForConnection(new Map([...(args.environment?.secrets ?? []), ...(await args.store.loadSecrets(head))]), brokerUrl, args.environment?.fallback);
  const source = mqttSourceConfig(head.snapshot, secrets?.lookup ?? (() => undefined));
  // Stored TLS secrets (CA, client certificate) first; --ca / --insecure from the command line over them.
  options.tls = { ...secrets?.tls, ...options.tls };
  // Without a declared read schema, the one inferred from the dataset's first messages is used.
  const readSchema = source.readSchema ?? head.inferredReadSchema ?? undefined;
  const schema = readSchema && configureSchema(readSchema, source, head);
  return { options, clock, head, source, schema };
}

/**
 * The broker session of a dataset's pull: its stable client id, a persistent session, the
 * source's filters and the window of unacknowledged messages the broker may send.
 */
export function pullSessionOptions(r: Pick<ResolvedPullSource, 'source' | 'head' | 'options' | 'schema'>, receiveMaximum: number, forceSubscribe: boolean): MqttSessionOptions {
  return {
    url: r.source.brokerUrl,
    username: r.source.username,
    password: r.source.password,
    clientId: r.head.mqttClientId,
    topics: r.source.topics,
    protocolVersion: r.options.protocolVersion,
    receiveMaximum: Math.min(65_535, Math.max(1, receiveMaximum)),
    connectTimeoutMs: r.options.connectTimeoutMs,
    forceSubscribe,
    tls: r.options.tls,
    // Read as the pull's SliceWriter reads (a schema inferred during this pull is not known yet).
    readAhead: r.schema && readAheadPlan(r.source.read, r.schema.readSchema, r.options.maxPayloadBytes),
  };
}

interface PullRunArgs extends Omit<RunPollingIngestArgs, 'options' | 'clock'>, ResolvedPullSource {
  pullId: string;
  lease: PullLease;
  /** The previous pull's writer, when this pull continues a run (handOver). */
  writer: SliceWriter | undefined;
  /** The previous pull of the dataset was killed or lost its connection: the broker may hold what it had received. */
  interruptedPull: PreviousPull['interruptedPull'];
  /** The previous pull stopped at its cap (and, unless it handed its session over, disconnected with messages in flight). */
  previousCapped: PreviousPull['previousCapped'];
}

class PullRun {
  private readonly queue = new MessageQueue();
  private readonly pubrels = new PendingPubrels();
  private failure: SluiceError | undefined;
  private lastActivity = Date.now();
  /** The lastActivity for which unread socket data was last looked for (see receiveLoop). */
  private idleCheckedAt = 0;
  private readonly waker = new Waker();
  private readonly window = new InflightWindow();
  /** Messages taken into this pull, and the bytes they hold (messageBytes); past either cap the rest stays with the broker. */
  private accepted = 0;
  private acceptedBytes = 0;
  /** The bytes `notTaken` holds (messageBytes). */
  private notTakenBytes = 0;
  /** QoS 1/2 messages the broker marked DUP: it resends what a previous session left unacknowledged. */
  private redelivered = 0;
  /** Set once the pull's slice is being published: later messages are left to the broker. */
  private ending = false;
  /** Messages received and not taken (past the cap, or after `ending`): the next pull's, or left to the broker. */
  private readonly notTaken: ReceivedMessage[] = [];
  private relay = new SessionRelay();
  /** The session goes on to the next pull instead of being closed. */
  private handingOver = false;
  /** After this instant (maxDurationMs) no more QoS 1/2 messages are taken in. */
  private stopAt = Infinity;
  /** The pull reached stopAt before the broker went idle: it did not see the broker run dry. */
  private outOfTime = false;
  private session: MqttSession | undefined;
  /** Read → merge → stage → commit; its head, receipts and staged rows describe the prepared commits. */
  private readonly writer: SliceWriter;
  /** Snapshot merges need the pull's whole snapshot at once, so they commit once, at the end. */
  private readonly singleBatch: boolean;
  /**
   * The commit in flight. The next batch is read, merged and staged while it runs (Postgres and
   * Node work in parallel); the writer's head, receipts and staged rows already describe it.
   */
  private inFlight: Promise<void> | undefined;

  /**
   * From `a`, read per message: `a` is built by spreading what a pull starts from, and its shape
   * differs between a run's first pull and the next ones (a handed-over session), so reading
   * through it made the per-message code deoptimise and recompile with each new shape.
   */
  private readonly options: PullOptions;
  private readonly keepSession: boolean;

  constructor(private readonly a: PullRunArgs) {
    this.options = a.options;
    this.keepSession = a.keepSession === true;
    this.writer = a.writer ?? new SliceWriter({ store: a.store, clock: a.clock, head: a.head, source: a.source, schema: a.schema, pullId: a.pullId, maxPayloadBytes: a.options.maxPayloadBytes });
    this.singleBatch = this.writer.singleBatch;
  }

  /** The pull; a lease lost meanwhile wakes it (the pulls of a run share one lease: each removes its listener). */
  async run(): Promise<PullResult> {
    const wake = () => this.touch();
    this.a.lease.lost.addEventListener('abort', wake, { once: true });
    try {
      return await this.pull();
    } finally {
      this.a.lease.lost.removeEventListener('abort', wake);
    }
  }

  private async pull(): Promise<PullResult> {
    const { store, options, head } = this.a;
    this.progress('connecting');
    this.stopAt = Date.now() + options.maxDurationMs;
    if (!this.a.writer) {
      // Independent reads: one round trip's wait for both.
      const [, receipts] = await Promise.all([this.writer.start(), store.loadQos2Receipts(head.id)]);
      this.writer.receipts = receipts;
    }
    const handlers: MqttSessionHandlers = {
      onMessage: (m) => this.onMessage(m),
      onPubrel: (id) => {
        if (this.pubrels.add(id, this.writer.receipts, completeWhileHeld(this.a.lease, this.session))) this.touch();
      },
      onError: (err) => {
        this.failure ??= err;
        this.touch();
      },
    };
    const handed = this.a.handOver;
    if (handed) {
      this.relay = handed.relay;
      this.session = handed.session;
      for (const m of handed.messages) handlers.onMessage(m);
      for (const id of handed.pubrels) handlers.onPubrel(id);
    }
    // Attached before the CONNACK: a resumed session's queued messages follow it in the same read.
    this.relay.attach(handlers);
    // Snapshot pulls re-subscribe so retained messages (each topic's current state) arrive again.
    const record = handed ? undefined : new SessionRecord(store, head.id, this.a.pullId, head.sessionTopics, head.sessionTopicsConfirmed);
    this.session ??= await record!.open(pullSessionOptions(this.a, options.recordCap, this.singleBatch), this.relay, this.a.openSession);
    if (handed) this.session.resumeReceiving();
    const session = this.session;
    await ensureLeaseHeld(this.a.lease);
    this.pubrels.completeUnknown(this.writer.receipts, (id) => session.complete(id));
    try {
      if (record) {
        await record.confirm(session);
        this.writer.head = { ...this.writer.head, sessionTopics: record.topics, sessionTopicsConfirmed: true };
      }
      if (!handed && !this.session.sessionPresent && this.writer.receipts.size > 0) {
        // A new session starts packet ids afresh: receipts of the lost one would drop new messages.
        await store.clearQos2Receipts(head.id, this.a.pullId);
        this.writer.receipts.clear();
      }
      // Idleness counts from here: connecting (an MQTT 5 attempt, then 3.1.1) must not use up the
      // time the broker has to start sending a resumed session's backlog (aedes: up to ~0.8 s seen).
      this.touch();
      this.progress('receiving');
      const cut = await this.receiveLoop();
      await this.settleQos2();
      this.progress('done');
      const pending = this.pendingAtBroker();
      // Stopped at the cap or out of time while the broker was still sending, or messages came
      // while the slice was committed: more to take (pullUntilCaughtUp bounds a run that never
      // goes quiet). A broker slower than the cap allows in maxDurationMs (RabbitMQ's window of
      // 10 under load: 380–620 msg/s) is not caught up when its pull runs out of time.
      const more = cut || this.notTaken.some((m) => m.qos > 0);
      // A Snapshot pull's records are the whole state only with the retained messages its new
      // subscription brings: a handed-over session would make the next pull's snapshot just what
      // came after this slice, and every other key would be retracted. Its next pull connects anew.
      this.handingOver = more && !pending && this.keepSession && !this.failure && !this.singleBatch;
      if (this.handingOver) this.relay.detach();
      return {
        pullId: this.a.pullId,
        status: this.writer.head.headHash === head.headHash ? 'up_to_date' : 'updated',
        hasMore: more || pending !== undefined,
        ...(pending ? { pending } : {}),
        ...(this.handingOver ? { handOver: this.handOver(this.session) } : {}),
        qosDowngrades: this.qosDowngrades,
        oldHead: head.headHash,
        newHead: this.writer.head.headHash,
        ...this.writer.counters,
      };
    } catch (err) {
      if (isSluiceError(err, 'CONNECTION_LOST')) this.failure ??= err;
      throw err;
    } finally {
      await this.inFlight?.catch(() => undefined);
      // The connection was lost mid-pull, or after the last commit (while PUBRELs were awaited: the
      // pull then ends as it is). The broker may come back without the session's subscriptions: the
      // next connection subscribes again (SessionRecord.lost). A handed-over session's record is the
      // one its first pull confirmed. Not recording it costs a silent resumption at worst; the
      // pull's own outcome is what is reported.
      if (isSluiceError(this.failure, 'CONNECTION_LOST')) {
        const { sessionTopics, sessionTopicsConfirmed } = this.writer.head;
        await (record ?? new SessionRecord(store, head.id, this.a.pullId, sessionTopics, sessionTopicsConfirmed)).lost().catch(() => undefined);
      }
      if (!this.handingOver) await this.session.close();
    }
  }

  private handOver(session: MqttSession): SessionHandOver {
    const { options, clock, source, schema } = this.a;
    return {
      session,
      relay: this.relay,
      messages: this.notTaken,
      pubrels: this.pubrels.take(),
      lease: this.a.lease,
      source: { options, clock, source, head: this.writer.head, schema },
      writer: this.writer,
    };
  }

  /**
   * Whether the broker is probably withholding messages for redelivery (pending-at-broker.ts):
   * a broker that resends at once would have sent what the previous pull left unacknowledged.
   */
  private pendingAtBroker(): PendingAtBroker | undefined {
    const wait = this.options.redeliveryWaitMs;
    if (this.a.interruptedPull && this.redelivered === 0) return withheldAfterInterruption(wait);
    const nothing = this.writer.counters.messagesReceived === 0 && this.notTaken.length === 0;
    if (this.a.previousCapped && !this.a.handOver && nothing) return withheldAfterCap(wait);
    return undefined;
  }

  /** Filters the broker granted a lower QoS than asked (none before the pull subscribed). */
  get qosDowngrades(): QosDowngrade[] {
    return this.session ? qosDowngrades(this.session.topics) : [];
  }

  private onMessage(m: ReceivedMessage): void {
    if (m.dup && m.qos > 0) this.redelivered++;
    // Past the cap or the duration a message is not taken: unacknowledged (QoS 1/2), the broker
    // keeps it for the next pull; reading stops so QoS 0 traffic cannot stretch the pull either.
    if (this.full || Date.now() >= this.stopAt) {
      this.leave(m);
      this.stopTaking();
      return;
    }
    // Still read (PUBRELs must arrive to settle QoS 2), but this pull's slice is already on its way.
    if (this.ending) {
      this.leave(m);
      return;
    }
    this.accepted++;
    this.acceptedBytes += this.queue.push(m);
    if (this.full) this.stopTaking();
    if (m.qos > 0) this.window.received();
    this.touch();
  }

  /**
   * At the cap or out of time. A pull whose session may go on to the next pull of its run
   * (keepSession) goes on reading what the broker sends, up to another cap's worth: the next pull's
   * messages are then parsed while this one publishes its slice, not after. Otherwise reading
   * stops, and what was not taken stays with the broker.
   */
  private stopTaking(): void {
    const o = this.options;
    if (!this.keepSession || this.notTaken.length >= o.recordCap || this.notTakenBytes >= o.byteCap) this.session?.stopReceiving();
  }

  /** At the record cap or the byte cap: the pull takes no more messages. */
  private get full(): boolean {
    return this.accepted >= this.options.recordCap || this.acceptedBytes >= this.options.byteCap;
  }

  private leave(m: ReceivedMessage): void {
    this.notTaken.push(m);
    this.notTakenBytes += messageBytes(m);
  }

  private touch(): void {
    this.lastActivity = Date.now();
    this.waker.wake();
  }

  private sleep(ms: number): Promise<void> {
    return this.waker.sleep(ms);
  }

  /**
   * Receives and commits until the broker is idle, the cap is reached or the time is up, then
   * publishes the pull's slice (with the last batch when one is left, else on its own); returns
   * whether it stopped at the cap or the time limit rather than on an idle broker.
   */
  private async receiveLoop(): Promise<boolean> {
    const o = this.options;
    for (;;) {
      if (this.failure) throw this.failure;
      await ensureLeaseHeld(this.a.lease);
      const now = Date.now();
      if (now >= this.stopAt && !this.ending) this.outOfTime = true;
      const capReached = this.full || now >= this.stopAt;
      if (capReached) this.stopTaking();
      const idleFor = now - this.lastActivity;
      const idleTimeout = this.idleTimeout();
      if (idleFor >= idleTimeout && this.idleCheckedAt !== this.lastActivity) {
        // After the process was starved (a loaded machine) the idle timer fires with what the
        // broker sent meanwhile not yet read through the socket, the ack gate and mqtt.js. A short
        // look (ended by the first message) reads it first, so only a broker that really sent
        // nothing ends the pull as idle.
        this.idleCheckedAt = this.lastActivity;
        await this.sleep(IDLE_RECHECK_MS);
        continue;
      }
      const done = this.ending || capReached || idleFor >= idleTimeout;
      if (this.queue.length === 0 && this.pubrels.size === 0) {
        if (done) {
          if (this.inFlight) {
            // Let the last commit land; look again, in case messages (QoS 0, PUBRELs) came meanwhile.
            await this.inFlight;
            this.inFlight = undefined;
            continue;
          }
          if (this.writer.stagedCount === 0 && !this.writer.holding) return this.full || this.outOfTime;
          await this.commitBatch([], [], true);
          continue;
        }
        await this.sleep(Math.min(idleTimeout - idleFor, this.stopAt - now));
        continue;
      }
      const quietLimit = this.quietLimit();
      const batchFull = !this.singleBatch && this.queue.holdsBatch(o.batchSize);
      if (!done && !batchFull && idleFor < quietLimit) {
        await this.sleep(quietLimit - idleFor);
        continue;
      }
      const batch = this.singleBatch ? this.queue.takeAll() : this.queue.takeBatch(o.batchSize);
      const pubrels = this.pubrels.take();
      // The pull's slice goes with this batch unless completing PUBRELs lets the broker send more:
      // a resumed session's PUBREC'd messages hold its window until their PUBCOMPs.
      const last = this.queue.length === 0 && (capReached || (done && pubrels.length === 0));
      await this.commitBatch(batch, pubrels, last, done);
    }
  }

  /**
   * How long the broker must have sent nothing for the pull to end idle: the idle timeout, or
   * WINDOW_ANSWER_PATIENCE times it when a broker with a steady in-flight window has not answered
   * the pull's last release (see InflightWindow). Costs that wait at the end of a backlog pulled
   * from such a broker (RabbitMQ), never on one without a window.
   */
  private idleTimeout(): number {
    const o = this.options;
    return this.window.awaitingAnswer ? o.idleTimeoutMs * WINDOW_ANSWER_PATIENCE : o.idleTimeoutMs;
  }

  /**
   * How long the broker must have been quiet before what was received is committed: staged, so
   * it can be acknowledged, unless the pull is ending. A backlog is also staged at `batchSize`.
   *
   * A broker may stop after an in-flight window of its own (windowQuietMs), over MQTT 5 too: a
   * stop that looks like the end of a backlog, so both protocols stage after the same quiet.
   * Waiting for the idle timeout instead made each window of such a broker cost a second and ended
   * the pull with the rest at the broker. On a broker that honours the receive maximum this stages
   * a backlog's last batch, which the slice then reads back. A Snapshot merge needs all of a pull at once.
   */
  private quietLimit(): number {
    const o = this.options;
    if (this.singleBatch) return o.idleTimeoutMs;
    // QoS 0 messages are never acknowledged: without a QoS 1/2 message or a PUBREL outstanding no
    // broker waits on this pull (staging them wrote their rows twice).
    if (this.window.outstanding === 0 && this.pubrels.size === 0) return o.idleTimeoutMs;
    // A whole learned window queued is staged at once (PUBRELs still gather for the gap).
    if (this.window.holdsWindow(this.queue.length) && this.pubrels.size === 0) return 0;
    return Math.min(windowQuietMs(this.queue.length, this.pubrels.size, o), o.idleTimeoutMs);
  }

  /**
   * Prepares a batch, waits for the commit in flight, then starts this one's commit. With
   * `publish` the batch's rows go straight into the pull's slice with every staged row.
   *
   * Once the pull takes no more messages (`takingDone`: idle, at its cap or out of time) no
   * acknowledgement lets the broker send anything more to it, so a batch taken then is held in
   * memory (SliceWriter.hold) and commits with the slice that follows at once, instead of being
   * staged: written, read back and deleted. A batch with PUBRELs is committed at once, with the
   * batches held before it: their PUBCOMPs free the broker's window. Before then batches are
   * staged and acknowledged as they fill, whatever in-flight window the broker keeps.
   */
  private async commitBatch(messages: ReceivedMessage[], pubrels: number[], publish: boolean, takingDone = false): Promise<void> {
    if (!publish && takingDone && pubrels.length === 0) return this.writer.hold(messages, pubrels);
    if (publish) this.ending = true;
    this.progress('committing');
    const prepared = await this.writer.prepare(messages, pubrels, publish);
    await this.inFlight;
    const commit = this.commitPrepared(prepared);
    commit.catch(() => undefined); // awaited by the next batch or at the end; never unhandled
    this.inFlight = commit;
  }

  /**
   * After the last commit the broker answers our PUBRECs with PUBRELs; recording those lets the
   * PUBCOMPs go before we disconnect. Ones that do not arrive in time are handled next pull.
   */
  private async settleQos2(): Promise<void> {
    const deadline = Date.now() + Math.min(500, this.options.idleTimeoutMs);
    while (this.writer.receipts.size > 0 && Date.now() < deadline && !this.failure) {
      if (this.pubrels.size) {
        await this.commitBatch([], this.pubrels.take(), false);
        await this.inFlight;
        continue;
      }
      await this.sleep(deadline - Date.now());
    }
  }

  private async commitPrepared(p: PreparedCommit): Promise<void> {
    await this.writer.commit(p);
    // Committed: only now may the broker learn that these messages arrived.
    let released = 0;
    for (const b of batchesOf(p)) {
      for (const m of b.messages) this.session!.acknowledge(m);
      for (const id of b.pubrels) this.session!.complete(id);
      released += slotsFreed(b);
    }
    this.window.released(released);
    // The broker answers released acknowledgements with more messages: idleness starts again now.
    this.touch();
    this.progress('receiving');
  }

  private progress(stage: PullStage): void {
    this.a.onProgress?.({ stage, ...this.writer.counters });
  }
}

/** How long a pull that found its broker idle looks once more for messages already on their way. */
const IDLE_RECHECK_MS = 50;

/**
 * How many idle timeouts a pull waits for a broker with a steady window to answer its release
 * (5 s by default): RabbitMQ under load was seen quiet for over a second mid-backlog.
 */
const WINDOW_ANSWER_PATIENCE = 5;
