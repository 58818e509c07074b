import { SluiceError, isSluiceError } from '../errors';
import { qosDowngrades, type MqttSession, type MqttSessionHandlers, type ReceivedMessage } from './fetch/mqtt-session';
import type { PullCounters, PullLease } from './ports';
import { recordedPull, type PullResult } from './recorded-pull';
import { pullSessionOptions, resolvePullSource, type ResolvedPullSource, type RunPollingIngestArgs } from './run-polling-ingest';
import { SliceWriter, type PreparedCommit } from './slice-writer';
import { SessionRecord } from './session-record';
import { Waker } from './waker';
import { z } from 'zod';
import { InflightWindow, slotsFreed, windowQuietMs } from './inflight-window';
import { checkedOptions, definedOptions, positiveCount, timerMs } from './pull-options';
import { PendingPubrels } from './pending-pubrels';
import { completeWhileHeld, ensureLeaseHeld } from './lease-fence';
import { MAX_BATCH_BYTES, MessageQueue } from './message-queue';
import { DEFAULT_COMPACTION, TailCompactor, type CompactionOptions, type CompactionResult } from './compact-tail';

/** How a follow run commits and reconnects (`sluice pull --follow`, always-on datasets). */
export interface FollowOptions {
  /** A message waits at most this long before the slice holding it is committed (default 1 s). */
  commitIntervalMs: number;
  /**
   * While no commit is in flight, a message is committed once it waited this long (Kafka's
   * linger.ms): a quiet stream's rows are visible in about this plus one commit, and a busy one's
   * batches grow by themselves while a commit runs (rate × commit time), up to the interval.
   */
  lingerMs: number;
  /** A slice is committed as soon as this many messages wait (a staged window's rows count as its messages), whatever the interval. */
  batchSize: number;
  /** First wait before reconnecting to a broker that went away; doubled per failed attempt… */
  reconnectMinMs: number;
  /** …up to this. */
  reconnectMaxMs: number;
  compaction: CompactionOptions;
}

export const DEFAULT_FOLLOW_OPTIONS: FollowOptions = {
  commitIntervalMs: 1000,
  lingerMs: 100,
  batchSize: 10_000,
  reconnectMinMs: 250,
  reconnectMaxMs: 10_000,
  compaction: DEFAULT_COMPACTION,
};

const FollowOptionsSchema = z
  .object({
    commitIntervalMs: timerMs(1),
    lingerMs: timerMs(0),
    batchSize: positiveCount,
    reconnectMinMs: timerMs(1),
    reconnectMaxMs: timerMs(1),
    compaction: z.object({ enabled: z.boolean(), minSlices: z.number().int().min(2), targetRows: positiveCount }).partial(),
  })
  .partial();

/** Follow options as given: any of them, compaction's in part. */
export type FollowOptionsInput = Partial<Omit<FollowOptions, 'compaction'> & { compaction: Partial<CompactionOptions> }>;

/** A follow run's options: the defaults with `options` over them, checked as resolvePullOptions checks a pull's. */
export function resolveFollowOptions(options: FollowOptionsInput = {}): FollowOptions {
  const o = checkedOptions('follow option', FollowOptionsSchema, DEFAULT_FOLLOW_OPTIONS, options as Partial<FollowOptions>);
  if (o.reconnectMinMs > o.reconnectMaxMs) throw new SluiceError('INVALID_INPUT', `follow option reconnectMinMs (${o.reconnectMinMs}) is above reconnectMaxMs (${o.reconnectMaxMs})`);
  // Given in part, compaction keeps the defaults of the rest (given whole before, { enabled } alone never merged).
  return { ...o, compaction: { ...DEFAULT_COMPACTION, ...definedOptions(options.compaction ?? {}) } };
}

/** One commit of a follow run that published a slice (rows became visible). */
export interface FollowCommit {
  /** The messages the slice holds, staged ones included (acknowledged to the broker from now on, or already). */
  messages: readonly ReceivedMessage[];
  rows: number;
  committedAt: Date;
  /** Totals of the run so far. */
  totals: PullCounters;
}

export interface FollowPullArgs extends Omit<RunPollingIngestArgs, 'keepSession' | 'handOver' | 'onProgress'> {
  follow?: FollowOptionsInput;
  /** Aborting ends the run: what is held is committed, the session closed, and the result returned. */
  signal: AbortSignal;
  onCommit?: (commit: FollowCommit) => void;
  /** The broker went away (or could not be reached); the run waits `delayMs` and connects again. */
  onReconnect?: (info: { error: SluiceError; delayMs: number }) => void;
  onCompact?: (result: CompactionResult) => void;
  /**
   * Compaction met a slice that does not encode to its hash and stopped for the rest of this run;
   * commits go on, the slices stay as committed, and `sluice verify` names the slice.
   */
  onCompactionStopped?: (error: Error) => void;
  /** Connected and subscribed (at the start and after each reconnection): from now on the broker keeps the session's messages. */
  onConnected?: (info: { sessionPresent: boolean }) => void;
}

/**
 * Streams an MQTT dataset: one pull (one lease, one pull record) that keeps its persistent session
 * open and commits whenever the oldest held message has waited `lingerMs` with no commit running, or
 * `commitIntervalMs` in any case, or `batchSize`
 * messages wait. Each commit goes through the same SliceWriter as `sluice pull` (read → merge →
 * stage → commit) with the same guarantee: nothing is acknowledged to the broker before the
 * transaction holding it committed. A broker that waits for acknowledgements (an in-flight
 * window) gets them per window through the staging rows, as in a pull.
 *
 * When the broker goes away the run keeps what it committed, drops what it held uncommitted (never
 * acknowledged, so the broker resends it on the resumed session) and connects again with capped
 * exponential backoff. Small slices are merged at the chain's tail (compact-tail.ts) so a day of
 * one-second commits does not become 86,400 blocks: between commits, a slice at a time, and a
 * merge only while no commit is in flight (a few statements, no row decoded).
 */
export async function followPull(args: FollowPullArgs): Promise<PullResult> {
  const resolved = await resolvePullSource(args);
  if (resolved.source.merge.kind === 'Snapshot') throw snapshotNotStreamable(resolved.head.name);
  const follow = resolveFollowOptions(args.follow);
  return recordedPull(args.store, resolved.head.id, (pullId, _previous, lease) => new FollowRun(args, resolved, follow, pullId, lease));
}

/** A Snapshot merge takes each pull as the whole snapshot: a commit per interval would retract every key it did not see. */
export function snapshotNotStreamable(name: string): SluiceError {
  return new SluiceError('INVALID_INPUT', `"${name}" merges as Snapshot: each pull is a whole snapshot, which a stream of commits cannot be; pull it on a schedule instead`);
}

/** A follow session that lasted this long was not a broker hanging up at once: the next reconnection backs off from the start. */
const STABLE_SESSION_MS = 30_000;

/** Connection failures a follow run outlives: it connects again. Anything else (credentials, TLS, policy) ends it. */
const RECONNECTABLE = new Set(['CONNECTION_LOST', 'BROKER_UNREACHABLE']);
/**
 * Once this run's subscription was accepted, a refusal of it on a later connection is outlived a
 * few times in a row: a broker that restarts can hang up between CONNACK and SUBACK, which is how
 * RabbitMQ says "not authorized" (the run ended for good on a restart it happened to meet
 * mid-subscription). A refusal that persists is an answer: the run ends with it (the always-on
 * worker tries the dataset again later, with its own backoff) rather than hold the lease for ever.
 */
const REFUSALS_OUTLIVED = 5;

class FollowRun {
  private readonly writer: SliceWriter;
  private session: MqttSession | undefined;
  /** Messages received on the current session, not yet prepared. */
  private readonly queue = new MessageQueue();
  private pubrels = new PendingPubrels();
  /** Arrival of the oldest message not yet in a published slice (queued or staged). */
  private oldestHeldAt: number | undefined;
  private lastActivity = Date.now();
  /** What the session's broker showed of an in-flight window (a new one per session). */
  private window = new InflightWindow();
  /** `lastActivity` of the quiet last judged by stalledOnWindow, and its verdict. */
  private quietJudged: { at: number; stalled: boolean } | undefined;
  /** Messages of the batches staged since the last slice: the slice makes them visible (FollowCommit). */
  private stagedMessages: ReceivedMessage[] = [];
  private lost: SluiceError | undefined;
  private readonly waker = new Waker();
  private pausedUntil: NodeJS.Timeout | undefined;
  /** What the broker session holds, as recorded before the run, then as this run's connections leave it. */
  private readonly sessionRecord: SessionRecord;
  private inFlight: Promise<void> | undefined;
  /** A commit is running (not just prepared): the next batch keeps filling until it lands or the interval passes. */
  private committing = false;
  /** Each session's events go to the handlers made for it: a dead session's late events are ignored. */
  private generation = 0;
  private readonly compactor: TailCompactor | undefined;

  constructor(
    private readonly a: FollowPullArgs,
    private readonly r: ResolvedPullSource,
    private readonly o: FollowOptions,
    private readonly pullId: string,
    private readonly lease: PullLease,
  ) {
    this.sessionRecord = new SessionRecord(a.store, r.head.id, pullId, r.head.sessionTopics, r.head.sessionTopicsConfirmed);
    this.writer = new SliceWriter({ store: a.store, clock: r.clock, head: r.head, source: r.source, schema: r.schema, pullId, maxPayloadBytes: r.options.maxPayloadBytes });
    if (o.compaction.enabled) this.compactor = new TailCompactor({ store: a.store, datasetId: r.head.id, pullId, options: o.compaction, layout: () => this.writer.layout, onStopped: a.onCompactionStopped });
    a.signal.addEventListener('abort', () => this.touch(), { once: true });
    lease.lost.addEventListener('abort', () => this.touch(), { once: true });
  }

  get qosDowngrades() {
    return this.session ? qosDowngrades(this.session.topics) : [];
  }

  async run(): Promise<PullResult> {
    const { store } = this.a;
    const { head } = this.r;
    await this.writer.start();
    await this.compactor?.start();
    this.writer.receipts = await store.loadQos2Receipts(head.id);
    await this.publishStaged();
    let delay = this.o.reconnectMinMs;
    let hadSession = false;
    let refusedInARow = 0;
    try {
      while (!this.a.signal.aborted) {
        let connectedAt: number;
        try {
          await this.connect();
          connectedAt = Date.now();
          hadSession = true;
          refusedInARow = 0;
        } catch (err) {
          const outlived = isSluiceError(err) && (RECONNECTABLE.has(err.code) || (err.code === 'BROKER_NOT_AUTHORIZED' && hadSession && ++refusedInARow < REFUSALS_OUTLIVED));
          if (!outlived) throw err;
          await this.backOff(err, delay);
          delay = Math.min(delay * 2, this.o.reconnectMaxMs);
          continue;
        }
        const lost = await this.receiveLoop();
        if (!lost) break;
        await this.dropSession();
        await this.publishStaged();
        // Only a session that lasted starts the backoff over: a broker that accepts each connection
        // and hangs up at once (or another client taking the session) would be reconnected to
        // every reconnectMinMs for as long as the run lasts.
        if (Date.now() - connectedAt >= STABLE_SESSION_MS) delay = this.o.reconnectMinMs;
        await this.backOff(lost, delay);
        delay = Math.min(delay * 2, this.o.reconnectMaxMs);
      }
      // Stopping: what is held (queued and staged) becomes one last slice before the session closes.
      if (this.session && !this.lost && (this.queue.length || this.writer.stagedCount || this.pubrels.size)) {
        await this.commitBatch(this.queue.takeAll(), this.pubrels.take(), true);
      }
      await this.inFlight;
      // Staged rows would lead the next slice: merge between slices only.
      if (this.compactor && !this.writer.stagedCount) for (const c of await this.compactor.finish(this.writer.head)) this.compacted(c);
    } finally {
      clearTimeout(this.pausedUntil);
      await this.inFlight?.catch(() => undefined);
      // Lost while stopping (its last commit), after dropSession's turn: the next run subscribes again.
      if (this.lost) await this.sessionRecord.lost().catch(() => undefined);
      await this.session?.close();
    }
    return {
      pullId: this.pullId,
      status: this.writer.counters.slices > 0 ? 'updated' : 'up_to_date',
      hasMore: false,
      qosDowngrades: this.qosDowngrades,
      oldHead: this.r.head.headHash,
      newHead: this.writer.head.headHash,
      ...this.writer.counters,
    };
  }

  private async connect(): Promise<void> {
    const { store } = this.a;
    const { head } = this.r;
    // Connecting takes the broker session from whoever holds it: only the lease holder may, and
    // it asks the database, not only its own clock (a clock that did not see a suspended machine).
    await this.lease.confirm();
    const generation = ++this.generation;
    const handlers: MqttSessionHandlers = {
      onMessage: (m) => {
        if (generation !== this.generation) return;
        this.oldestHeldAt ??= m.receivedAt.getTime();
        this.queue.push(m);
        if (m.qos > 0) this.window.received();
        this.lastActivity = Date.now();
        // The loop sleeps until the oldest message is due, looking every flushGapMs for the quiet gap
        // after a window while messages wait: it needs waking only when that starts, or a batch is full.
        if (this.queue.length === 1 || this.queue.holdsBatch(this.o.batchSize)) this.touch();
        if (this.queue.length > 2 * this.o.batchSize || this.queue.bytes > 2 * MAX_BATCH_BYTES) this.pauseReading();
      },
      onPubrel: (id) => {
        if (generation !== this.generation) return;
        if (this.pubrels.add(id, this.writer.receipts, completeWhileHeld(this.lease, this.session))) this.touch();
      },
      onError: (err) => {
        if (generation !== this.generation) return;
        this.lost ??= err;
        this.touch();
      },
    };
    this.lost = undefined;
    this.window = new InflightWindow();
    this.quietJudged = undefined;
    // Two batches may be unacknowledged at once: one committing, the next filling.
    // A resumed session keeps its filters; after a lost connection the record is unconfirmed
    // (dropSession) and this connection subscribes again.
    const session = await this.sessionRecord.open(pullSessionOptions(this.r, 2 * this.o.batchSize, false), handlers, this.a.openSession);
    this.session = session;
    await ensureLeaseHeld(this.lease);
    this.pubrels.completeUnknown(this.writer.receipts, (id) => session.complete(id));
    await this.sessionRecord.confirm(session);
    if (!session.sessionPresent && this.writer.receipts.size > 0) {
      // A new broker session starts packet ids afresh: receipts of the lost one would drop new messages.
      await store.clearQos2Receipts(head.id, this.pullId);
      this.writer.receipts.clear();
    }
    // Subscribed: from now on what is published reaches this run (the page says Live only now).
    await store.setPullConnection(this.pullId, { connectedAt: new Date() });
    this.a.onConnected?.({ sessionPresent: session.sessionPresent });
  }

  /**
   * The session is gone: what it delivered and was not prepared is dropped (never acknowledged,
   * the broker resends it), as are its PUBRELs (resent on the resumed session). Prepared batches
   * stay: their commit lands, their acknowledgements have nowhere to go, and the broker's
   * redelivery is recognised by key or QoS 2 receipt, as after a killed pull. The next connection
   * subscribes again: the broker may come back without the session's subscriptions.
   */
  private async dropSession(): Promise<void> {
    this.generation++;
    await this.a.store.setPullConnection(this.pullId, { connectedAt: null });
    await this.sessionRecord.lost();
    this.resumeReading();
    await this.inFlight;
    this.queue.clear();
    this.pubrels = new PendingPubrels();
    this.oldestHeldAt = this.writer.stagedCount ? this.oldestHeldAt : undefined;
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  /**
   * Rows staged for a broker's in-flight window (by this run, or by a pull killed before it) were
   * acknowledged: without a session they become a slice now, not whenever the broker is back.
   */
  private async publishStaged(): Promise<void> {
    if (!this.writer.stagedCount) return;
    await this.commitBatch([], [], true);
    await this.inFlight;
  }

  private async backOff(error: SluiceError, delayMs: number): Promise<void> {
    // Jittered (half to all of the delay): runs that lost one broker together do not return together.
    const jittered = Math.round(delayMs / 2 + Math.random() * (delayMs / 2));
    // The page and the pull record say why no session is open (a broker that stays down said nothing).
    // Advisory: a database that is away too must not end the run here (its lease decides that).
    await this.a.store.setPullConnection(this.pullId, { connectedAt: null, waitingOn: { code: error.code, message: error.message } }).catch(() => undefined);
    this.a.onReconnect?.({ error, delayMs: jittered });
    await this.sleep(jittered);
    await ensureLeaseHeld(this.lease);
  }


  /** Commits per interval or batch until stopped (returns undefined) or the connection is lost (returns why). */
  private async receiveLoop(): Promise<SluiceError | undefined> {
    const o = this.o;
    const flushGapMs = this.r.options.flushGapMs;
    for (;;) {
      await ensureLeaseHeld(this.lease);
      if (this.lost) return this.lost;
      if (this.a.signal.aborted) return undefined;
      await this.compactionStep();
      const now = Date.now();
      const waited = this.oldestHeldAt === undefined ? -1 : now - this.oldestHeldAt;
      const due = waited >= o.commitIntervalMs || (!this.committing && waited >= Math.min(o.lingerMs, o.commitIntervalMs));
      // Staged windows count towards the batch by their rows: a slice holds about batchSize messages' rows.
      const room = o.batchSize - this.writer.stagedCount;
      if (this.queue.holdsBatch(room) || (due && (this.queue.length || this.writer.stagedCount))) {
        await this.commitBatch(this.queue.takeBatch(room), this.pubrels.take(), true);
        continue;
      }
      const quietFor = now - this.lastActivity;
      // A broker may send an in-flight window and wait for its acknowledgements (windowQuietMs).
      // Staged, the window can be acknowledged; waiting for the linger took one window a linger
      // (EMQX's 32 over MQTT 5: some 300 msg/s).
      if (this.queue.length && quietFor >= windowQuietMs(this.queue.length, this.pubrels.size, this.r.options) && this.stalledOnWindow()) {
        await this.commitBatch(this.queue.takeBatch(o.batchSize), this.pubrels.take(), false);
        // A batch that staged no rows (duplicates, quarantined) leaves nothing due but what is queued.
        if (!this.writer.stagedCount) this.oldestHeldAt = this.queue.first?.receivedAt.getTime();
        continue;
      }
      if (quietFor >= flushGapMs && this.pubrels.size && !this.queue.length) {
        await this.commitBatch([], this.pubrels.take(), false);
        continue;
      }
      // Slices wait to be taken into the compaction: read messages, then go on.
      if (this.compactor?.pending) {
        await this.sleep(0);
        continue;
      }
      // A commit landing wakes the loop (touch), so while one runs the interval is the only deadline.
      const untilDue = this.oldestHeldAt === undefined ? o.commitIntervalMs : this.oldestHeldAt + (this.committing ? o.commitIntervalMs : o.lingerMs) - now;
      const wantsGap = this.pubrels.size || this.queue.length;
      await this.sleep(wantsGap ? Math.min(flushGapMs, untilDue) : untilDue);
    }
  }

  /**
   * Whether the broker's quiet, with messages waiting, is a stop at its in-flight window rather
   * than a pause of the stream, judged once a quiet. Every MQTT 3.1.1 broker keeps a window. Over
   * MQTT 5 the run asked for two batches, which Mosquitto honours, but a broker may keep a smaller
   * limit without saying so (EMQX: 32, VerneMQ: 20): such a window is learned from the broker going
   * quiet at the same outstanding count twice in a row (InflightWindow.quietAgain), so its first
   * window waits for the linger and a stream's pauses are not staged (staging each pause of a
   * steady 5,000 msg/s stream cost a third more CPU). While a commit runs, its acknowledgements
   * will release a window anyway.
   */
  private stalledOnWindow(): boolean {
    if (this.committing) return false;
    if (this.quietJudged?.at !== this.lastActivity) {
      const quietAgain = this.window.quietAgain();
      // QoS 0 messages are never acknowledged: with no QoS 1/2 message outstanding no window waits.
      this.quietJudged = { at: this.lastActivity, stalled: this.window.outstanding > 0 && (this.session?.protocolVersion === 4 || quietAgain) };
    }
    return this.quietJudged.stalled;
  }

  /** Prepares a batch, waits for the commit in flight, then starts this one's (see PullRun.commitBatch). */
  private async commitBatch(messages: ReceivedMessage[], pubrels: number[], publish: boolean): Promise<void> {
    if (this.queue.length <= this.o.batchSize && this.queue.bytes <= MAX_BATCH_BYTES) this.resumeReading();
    // What stays queued (past a full batch) is due from its own oldest message.
    if (publish) this.oldestHeldAt = this.queue.first?.receivedAt.getTime();
    const prepared = await this.writer.prepare(messages, pubrels, publish);
    await this.inFlight;
    const session = this.session;
    const commit = this.commitPrepared(prepared, session);
    commit.catch(() => undefined); // awaited by the next batch or at the end; never unhandled
    this.inFlight = commit;
  }

  private async commitPrepared(p: PreparedCommit, session: MqttSession | undefined): Promise<void> {
    this.committing = true;
    try {
      await this.writer.commit(p);
    } finally {
      this.committing = false;
      this.touch();
    }
    // Committed: only now may the broker learn that these messages arrived, on the session that sent them.
    if (session && session === this.session && !this.lost) {
      for (const m of p.messages) session.acknowledge(m);
      for (const id of p.pubrels) session.complete(id);
      this.window.released(slotsFreed(p));
    }
    if (!p.commit.slice) {
      // Only a batch that staged rows leads into the slice; one whose messages gave none is done.
      if (p.commit.stage) for (const m of p.messages) this.stagedMessages.push(m);
      return;
    }
    this.compactor?.committed(p.commit);
    const messages = this.stagedMessages.length ? this.stagedMessages.concat(p.messages) : p.messages;
    this.stagedMessages = [];
    this.a.onCommit?.({ messages, rows: p.commit.pull.add.rowsCommitted, committedAt: new Date(), totals: this.writer.counters });
  }

  /**
   * Compaction's share of each turn of the loop, bounded whether or not the run keeps up: a due
   * merge (a few statements) once the commit in flight landed — the next batch is prepared on
   * the merged head — and one committed slice taken in (its bytes hashed). Staged rows would
   * lead the next slice: merges happen between slices only.
   */
  private async compactionStep(): Promise<void> {
    if (!this.compactor) return;
    if (this.compactor.mergeDue && !this.writer.stagedCount) {
      await this.inFlight;
      const merged = await this.compactor.mergeNext(this.writer.head);
      if (merged) this.compacted(merged);
    }
    if (this.compactor.pending) await this.compactor.takeInOne();
  }

  private compacted(result: CompactionResult): void {
    this.writer.head = { ...this.writer.head, ...result.head };
    this.a.onCompact?.(result);
  }

  /**
   * More than the window (2 batches) waits: the broker sends past the window it was given
   * (Mosquitto 2.0.11 does, see mqtt-session.ts). Stop reading, so that waits in its queue instead
   * of this process's memory. Reading resumes once at most a batch waits, and after 15 s in any
   * case: while paused the broker's PINGRESP cannot be read, and mqtt.js ends the connection after
   * its 30 s keepalive. (Pausing at a full window, as before, paused a run that was behind after
   * every batch for the whole 15 s, though a broker that keeps to the window cannot send more.)
   */
  private pauseReading(): void {
    if (this.pausedUntil) return;
    this.session?.stopReceiving();
    this.pausedUntil = setTimeout(() => this.resumeReading(), 15_000);
  }

  private resumeReading(): void {
    if (!this.pausedUntil) return;
    clearTimeout(this.pausedUntil);
    this.pausedUntil = undefined;
    this.session?.resumeReceiving();
  }

  private touch(): void {
    this.lastActivity = Date.now();
    this.waker.wake();
  }

  private sleep(ms: number): Promise<void> {
    return this.a.signal.aborted ? Promise.resolve() : this.waker.sleep(ms);
  }
}
