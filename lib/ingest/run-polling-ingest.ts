import { randomUUID } from 'node:crypto';
import { chainBlocks } from '../chain/metadata-block';
import type { Row } from '../data/row';
import { SluiceError } from '../errors';
import { secretsForConnection, type StoredSecrets } from '../secrets/secret-release';
import type { TemplateLookup } from '../odf';
import { openMqttSession, qosDowngrades, type MqttSession, type MqttSessionHandlers, type QosDowngrade, type ReceivedMessage } from './fetch/mqtt-session';
import { SessionRelay } from './fetch/session-relay';
import { topicMatches } from './fetch/topic-filter';
import { applyToState } from './merge/apply-to-state';
import { encodeStateRow, priorStateFrom } from './key-state-codec';
import { createMergeStrategy } from './merge/create-merge-strategy';
import { MergeError, type MergeStrategy, type PriorState } from './merge/merge-strategy';
import { mqttSourceConfig, sourceBrokerUrl, type MqttSourceConfig } from './mqtt-source-config';
import { sumCounters, zeroCounters, type DatasetHead, type IngestStore, type JsonRow, type PullCounters, type QuarantineRecord, type SliceCommit } from './ports';
import type { DataSchema } from '../odf/data-type';
import type { DatasetKey } from '../datasets/dataset-key';
import { withheldAfterCap, withheldAfterInterruption, type PendingAtBroker } from './pending-at-broker';
import { DEFAULT_PULL_OPTIONS, type PullOptions } from './pull-options';
import { inferReadSchema } from './read/infer-schema';
import { readMessage } from './read/read-message';
import { assertSchemaCompatible, dataSchemaOf, layoutFromReadSchema, withEventTimeColumn, type SliceLayout } from './slice-layout';
import { fillEventTimes, fromStagedRow, stageSlice, toStagedRow } from './stage-slice';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type PullStage = 'connecting' | 'receiving' | 'committing' | 'done';

export interface PullProgress extends PullCounters {
  stage: PullStage;
}

export interface PullResult extends PullCounters {
  pullId: string;
  /** `updated` when at least one block was committed, else `up_to_date` (Kamu's outcomes). */
  status: 'updated' | 'up_to_date';
  /** The record cap was reached, or `pending`: more messages are probably waiting at the broker. */
  hasMore: boolean;
  /** The broker may be holding messages for redelivery later (see pending-at-broker.ts). */
  pending?: PendingAtBroker;
  /** With `keepSession` and `hasMore`: the still-open session, for the next pull of the run. */
  handOver?: SessionHandOver;
  /** Filters the broker granted a lower QoS than the manifest asks (see describeQosDowngrade). */
  qosDowngrades: QosDowngrade[];
  oldHead: string;
  newHead: string;
}

export interface RunPollingIngestArgs {
  store: IngestStore;
  dataset: DatasetKey;
  options?: Partial<PullOptions>;
  /**
   * What `${{ env.NAME }}` may use besides the stored secrets. Default: nothing. `sluice pull`
   * passes the environment variables its operator allowed, bound to brokers like stored secrets
   * (see operatorEnvironment); the console and workers pass none, so a manifest never reads a
   * server's environment.
   */
  environment?: { secrets: StoredSecrets; fallback: TemplateLookup };
  clock?: Clock;
  onProgress?: (progress: PullProgress) => void;
  /**
   * When the pull stops with more to take, keep its session open and return it as `handOver`
   * instead of disconnecting (pullUntilCaughtUp: see SessionRelay for why).
   */
  keepSession?: boolean;
  /** The previous pull's open session: used instead of connecting, and closed if this pull cannot start. */
  handOver?: SessionHandOver;
}

/** An open session passed from one pull to the next, with what the first received and did not take. */
export interface SessionHandOver {
  session: MqttSession;
  relay: SessionRelay;
  /** Messages received past the pull's cap or after its slice was on its way, in arrival order. */
  messages: ReceivedMessage[];
  /** PUBRELs not yet recorded. */
  pubrels: number[];
}

/**
 * One authoritative pull of an MQTT dataset: fetch → read → merge → stage → commit, writing one
 * slice and one AddData block per pull.
 *
 * Delivery guarantee: a QoS 1/2 message is acknowledged to the broker (PUBACK/PUBREC) only after
 * the transaction holding its rows (or its quarantine record) committed. A broker that waits for
 * acknowledgements (an MQTT 3.1.1 in-flight window, or a backlog larger than a batch) gets them
 * per window: the window's merged rows are committed to the dataset's staging rows together with
 * its key state and QoS 2 receipts, and the pull's end publishes every staged row as the pull's
 * slice. QoS 2 packet identifiers are remembered until the broker's PUBREL, so a redelivery after
 * a crash is recognised and not ingested twice; the PUBCOMP leaves only once that receipt is
 * deleted. Rows a killed pull staged lead the next pull's slice. A crash at any point therefore
 * loses nothing and, for QoS 2 (or a merge with keys), duplicates nothing.
 */
export async function runPollingIngest(args: RunPollingIngestArgs): Promise<PullResult> {
  let started = false;
  try {
    return await runPull(args, () => (started = true));
  } finally {
    // A pull that could not start (lease taken, dataset gone) still owns the session it was handed.
    if (args.handOver && !started) await args.handOver.session.close();
  }
}

async function runPull(args: RunPollingIngestArgs, onStart: () => void): Promise<PullResult> {
  const options = { ...DEFAULT_PULL_OPTIONS, ...args.options };
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

  const pullId = randomUUID();
  const lease = await args.store.acquirePullLease(head.id, pullId);
  try {
    const { interruptedPull, previousCapped } = await args.store.startPull(head.id, pullId);
    const pull = new PullRun({ ...args, options, clock, head, source, schema, pullId, interruptedPull, previousCapped });
    onStart();
    try {
      const result = await pull.run();
      // The record's hasMore means "stopped with more to take" (the next pull looks at it): a pull
      // that only suspects the broker withholds redeliveries (`pending`) did not.
      await args.store.finishPull(pullId, { status: result.status, hasMore: result.hasMore && !result.pending, qosDowngrades: result.qosDowngrades });
      return result;
    } catch (err) {
      const e = err instanceof SluiceError ? err : undefined;
      await args.store.finishPull(pullId, {
        status: 'failed',
        hasMore: false,
        qosDowngrades: pull.qosDowngrades,
        errorCode: e?.code ?? 'INTERNAL',
        error: (err as Error).message,
      });
      throw err;
    }
  } finally {
    await lease.release();
  }
}

interface PullRunArgs extends RunPollingIngestArgs {
  options: PullOptions;
  clock: Clock;
  head: DatasetHead;
  source: MqttSourceConfig;
  schema: ConfiguredSchema | undefined;
  pullId: string;
  /** The previous pull of the dataset was killed or lost its connection: the broker may hold what it had received. */
  interruptedPull: boolean;
  /** The previous pull stopped at its cap (and, unless it handed its session over, disconnected with messages in flight). */
  previousCapped: boolean;
}

/** How a pull types, lays out and merges rows: known up front, or once the first messages are in. */
interface ConfiguredSchema {
  readSchema: DataSchema;
  layout: SliceLayout;
  strategy: MergeStrategy;
}

function configureSchema(readSchema: DataSchema, source: MqttSourceConfig, head: DatasetHead): ConfiguredSchema {
  const layout = layoutFromReadSchema(readSchema, source.vocab);
  assertSchemaCompatible(head.dataSchema, dataSchemaOf(layout), head.name);
  try {
    return { readSchema, layout, strategy: createMergeStrategy(source.merge, { fields: layout.mergeFields, vocab: source.vocab }) };
  } catch (err) {
    if (err instanceof MergeError) throw new SluiceError('SCHEMA_INVALID', `merge ${source.merge.kind}: ${err.message}`);
    throw err;
  }
}

class PullRun {
  private readonly queue: ReceivedMessage[] = [];
  private readonly pubrels: number[] = [];
  private failure: SluiceError | undefined;
  private lastActivity = Date.now();
  private wake: (() => void) | undefined;
  /** QoS 1/2 messages taken into this pull; past the cap the rest stays with the broker. */
  private accepted = 0;
  /** QoS 1/2 messages the broker marked DUP: it resends what a previous session left unacknowledged. */
  private redelivered = 0;
  /** Set once the pull's slice is being published: later messages are left to the broker. */
  private ending = false;
  /** Messages received and not taken (past the cap, or after `ending`): the next pull's, or left to the broker. */
  private readonly notTaken: ReceivedMessage[] = [];
  private relay = new SessionRelay();
  /** The session goes on to the next pull instead of being closed. */
  private handingOver = false;
  /**
   * Rows committed (or being committed) to the staging rows and not yet published, in slice order:
   * a killed pull's first, then this pull's windows. The record cap bounds them.
   */
  private staged: Row[] = [];
  /** After this instant (maxDurationMs) no more QoS 1/2 messages are taken in. */
  private stopAt = Infinity;
  /** QoS 2 ids committed (or being committed) whose PUBREL has not arrived: a PUBLISH with one is a redelivery. */
  private receipts = new Set<number>();
  private counters: PullCounters = zeroCounters();
  private head: DatasetHead;
  private session: MqttSession | undefined;
  /** Snapshot merges need the pull's whole snapshot at once, so they commit once, at the end. */
  private readonly singleBatch: boolean;
  /**
   * The commit in flight. The next batch is read, merged and staged while it runs (Postgres and
   * Node work in parallel); `head`, `receipts`, `staged` and `stateOverlay` already describe it.
   */
  private inFlight: Promise<void> | undefined;
  /** Key-state changes made by this pull, laid over what the store returns (it may not have them yet). */
  private readonly stateOverlay = new Map<string, JsonRow | null | typeof DELETED>();

  private schema: ConfiguredSchema | undefined;
  /** Set when this pull inferred the read schema: it is recorded with the first commit. */
  private inferredReadSchema: DataSchema | undefined;

  constructor(private readonly a: PullRunArgs) {
    this.head = a.head;
    this.schema = a.schema;
    this.singleBatch = a.source.merge.kind === 'Snapshot';
  }

  async run(): Promise<PullResult> {
    const { store, options, source, head } = this.a;
    this.progress('connecting');
    this.stopAt = Date.now() + options.maxDurationMs;
    const leftovers = await store.loadStagedRows(head.num);
    if (leftovers.length && !this.schema) throw new Error(`${head.name} has staged rows but no read schema to read them with`);
    if (this.schema) {
      this.staged = leftovers.map((r) => fromStagedRow(r, this.schema!.layout));
      await this.ensureKeyState(this.schema);
    }
    this.receipts = await store.loadQos2Receipts(head.id);
    const handlers: MqttSessionHandlers = {
      onMessage: (m) => this.onMessage(m),
      onPubrel: (id) => {
        this.pubrels.push(id);
        this.touch();
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
    this.session ??= await openMqttSession(
      {
        url: source.brokerUrl,
        username: source.username,
        password: source.password,
        clientId: head.mqttClientId,
        topics: source.topics,
        protocolVersion: options.protocolVersion,
        receiveMaximum: Math.min(65_535, Math.max(1, options.recordCap)),
        connectTimeoutMs: options.connectTimeoutMs,
        sessionTopics: head.sessionTopics ?? undefined,
        // Snapshot pulls re-subscribe so retained messages (each topic's current state) arrive again.
        forceSubscribe: this.singleBatch,
        tls: options.tls,
      },
      this.relay,
    );
    if (handed) this.session.resumeReceiving();
    try {
      if (!handed && !this.session.sessionPresent && this.receipts.size > 0) {
        // A new session starts packet ids afresh: receipts of the lost one would drop new messages.
        await store.clearQos2Receipts(head.id);
        this.receipts.clear();
      }
      await store.saveSessionTopics(head.id, this.session.topics);
      // Idleness counts from here: connecting (an MQTT 5 attempt, then 3.1.1) must not use up the
      // time the broker has to start sending a resumed session's backlog (aedes: up to ~0.8 s seen).
      this.touch();
      this.progress('receiving');
      const capped = await this.receiveLoop();
      await this.settleQos2();
      this.progress('done');
      const pending = this.pendingAtBroker();
      // Messages that came while the slice was committed are more to take, unless the pull ran
      // out of time (a topic that never goes quiet would keep a run going forever).
      const more = capped || (this.notTaken.some((m) => m.qos > 0) && Date.now() < this.stopAt);
      this.handingOver = more && !pending && this.a.keepSession === true && !this.failure;
      if (this.handingOver) this.relay.detach();
      return {
        pullId: this.a.pullId,
        status: this.head.headHash === head.headHash ? 'up_to_date' : 'updated',
        hasMore: more || pending !== undefined,
        ...(pending ? { pending } : {}),
        ...(this.handingOver ? { handOver: { session: this.session, relay: this.relay, messages: this.notTaken, pubrels: this.pubrels.splice(0) } } : {}),
        qosDowngrades: this.qosDowngrades,
        oldHead: head.headHash,
        newHead: this.head.headHash,
        ...this.counters,
      };
    } finally {
      await this.inFlight?.catch(() => undefined);
      if (!this.handingOver) await this.session.close();
    }
  }

  /**
   * Whether the broker is probably withholding messages for redelivery (pending-at-broker.ts):
   * a broker that resends at once would have sent what the previous pull left unacknowledged.
   */
  private pendingAtBroker(): PendingAtBroker | undefined {
    const wait = this.a.options.redeliveryWaitMs;
    if (this.a.interruptedPull && this.redelivered === 0) return withheldAfterInterruption(wait);
    const nothing = this.counters.messagesReceived === 0 && this.notTaken.length === 0;
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
    if (this.accepted >= this.a.options.recordCap || Date.now() >= this.stopAt) {
      this.session?.stopReceiving();
      this.notTaken.push(m);
      return;
    }
    // Still read (PUBRELs must arrive to settle QoS 2), but this pull's slice is already on its way.
    if (this.ending) {
      this.notTaken.push(m);
      return;
    }
    if (++this.accepted === this.a.options.recordCap) this.session?.stopReceiving();
    this.queue.push(m);
    this.touch();
  }

  private touch(): void {
    this.lastActivity = Date.now();
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, Math.max(1, ms));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Receives and commits until the broker is idle or the cap is reached, then publishes the
   * pull's slice (with the last batch when one is left, else on its own); returns hasMore.
   */
  private async receiveLoop(): Promise<boolean> {
    const o = this.a.options;
    for (;;) {
      if (this.failure) throw this.failure;
      const now = Date.now();
      const capReached = this.accepted >= o.recordCap || now >= this.stopAt;
      if (capReached) this.session?.stopReceiving();
      const idleFor = now - this.lastActivity;
      const done = this.ending || capReached || idleFor >= o.idleTimeoutMs;
      if (this.queue.length === 0 && this.pubrels.length === 0) {
        if (done) {
          if (this.inFlight) {
            // Let the last commit land; look again, in case messages (QoS 0, PUBRELs) came meanwhile.
            await this.inFlight;
            this.inFlight = undefined;
            continue;
          }
          if (this.staged.length === 0) return this.accepted >= o.recordCap;
          await this.commitBatch([], [], true);
          continue;
        }
        await this.sleep(Math.min(o.idleTimeoutMs - idleFor, this.stopAt - now));
        continue;
      }
      const quietLimit = this.quietLimit();
      const batchFull = !this.singleBatch && this.queue.length >= o.batchSize;
      if (!done && !batchFull && idleFor < quietLimit) {
        await this.sleep(quietLimit - idleFor);
        continue;
      }
      const batch = this.queue.splice(0, this.singleBatch ? this.queue.length : o.batchSize);
      const pubrels = this.pubrels.splice(0);
      // The pull's slice goes with this batch unless completing PUBRELs lets the broker send more:
      // a resumed session's PUBREC'd messages hold its window until their PUBCOMPs.
      const last = this.queue.length === 0 && (capReached || (done && pubrels.length === 0));
      await this.commitBatch(batch, pubrels, last);
    }
  }

  /**
   * How long the broker must have been quiet before what was received is committed: staged, so
   * it can be acknowledged, unless the pull is ending. A pull that goes quiet commits once, with
   * its slice; a backlog is also staged at `batchSize`, and an MQTT 3.1.1 broker stops after its
   * in-flight window (Mosquitto: 20) until acknowledgements arrive. An MQTT 5 session allows the
   * whole record cap in flight; a Snapshot merge needs all of a pull at once.
   */
  private quietLimit(): number {
    const o = this.a.options;
    if (this.singleBatch || this.session?.protocolVersion === 5) return o.idleTimeoutMs;
    return this.queue.length >= SMALLEST_INFLIGHT_WINDOW ? o.flushGapMs : Math.min(o.smallBatchQuietMs, o.idleTimeoutMs);
  }

  /**
   * Prepares a batch, waits for the commit in flight, then starts this one's commit. With
   * `publish` the batch's rows go straight into the pull's slice with every staged row.
   */
  private async commitBatch(messages: ReceivedMessage[], pubrels: number[], publish: boolean): Promise<void> {
    if (publish) this.ending = true;
    const prepared = await this.prepare(messages, pubrels, publish);
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
    const deadline = Date.now() + Math.min(500, this.a.options.idleTimeoutMs);
    while (this.receipts.size > 0 && Date.now() < deadline && !this.failure) {
      if (this.pubrels.length) {
        await this.commitBatch([], this.pubrels.splice(0), false);
        await this.inFlight;
        continue;
      }
      await this.sleep(deadline - Date.now());
    }
  }

  /**
   * Reads and merges a batch against the state as it will be once the commit in flight lands.
   * Its rows are staged, or with `publish` become the pull's slice after the staged ones; then
   * `head` advances to what this commit will make it.
   */
  private async prepare(messages: ReceivedMessage[], pubrels: number[], publish: boolean): Promise<PreparedCommit> {
    const { source, options } = this.a;
    this.progress('committing');
    const schema = await this.schemaFor(messages);
    const systemTime = this.a.clock.now();
    const add: PullCounters = { messagesReceived: messages.length, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 };
    // A PUBREL ends the broker's use of that packet id: a later PUBLISH with it is a new message.
    for (const id of pubrels) this.receipts.delete(id);
    const newReceipts: number[] = [];
    const quarantine: QuarantineRecord[] = [];
    const rows: Row[] = [];
    const current = this.singleBatch ? latestPerTopic(messages) : undefined;
    for (const m of messages) {
      // A filter removed from the manifest can still deliver until the broker processed the unsubscribe.
      if (!this.wantedTopic(m.topic)) continue;
      if (current && !current.has(m)) {
        add.duplicates++;
        continue;
      }
      if (m.qos === 2) {
        const id = m.messageId!;
        if (this.receipts.has(id)) {
          add.duplicates++;
          continue;
        }
        this.receipts.add(id);
        newReceipts.push(id);
      }
      const result = readMessage(source.read, schema?.readSchema ?? { fields: [] }, m, { maxPayloadBytes: options.maxPayloadBytes });
      // Without a schema only a blank payload reads (as no rows): nothing here held a record.
      if (result.ok) rows.push(...result.rows.map((r) => withEventTimeColumn(r, schema!.layout)));
      else {
        add.quarantined++;
        quarantine.push({ topic: m.topic, qos: m.qos, retained: m.retain, payload: m.payload, reason: result.reason, receivedAt: m.receivedAt });
      }
    }

    // Without a schema (nothing readable to infer one from yet) only quarantine records are written.
    const merged = schema && rows.length ? fillEventTimes(schema.strategy.merge(await this.priorState(rows, schema), rows), schema.layout, systemTime) : [];
    // The key state moves with every batch, staged or published: the next batch's merge sees these rows.
    const changes = merged.length && schema!.strategy.primaryKey.length ? applyToState(schema!.strategy, merged) : undefined;
    const upserts = new Map([...(changes?.upserts ?? [])].map(([k, r]) => [k, stateRowToStore(schema!.strategy, schema!.layout, r)]));
    for (const [k, r] of upserts) this.stateOverlay.set(k, r);
    for (const k of changes?.deletes ?? []) this.stateOverlay.set(k, DELETED);
    const unstage = this.staged.length;
    const stage = !publish && merged.length ? { position: unstage, rows: merged.map((r) => toStagedRow(r, schema!.layout)) } : undefined;
    for (const row of merged) this.staged.push(row);
    const head = this.head;
    const staged =
      publish && this.schema
        ? stageSlice({
            merged: this.staged.splice(0),
            layout: this.schema.layout,
            systemTime,
            nextOffset: head.nextOffset,
            prevWatermark: head.watermark,
            committedDataSchema: head.dataSchema,
          })
        : undefined;
    const blocks = staged ? chainBlocks({ hash: head.headHash, sequenceNumber: head.headSequence }, staged.events, systemTime) : [];
    if (staged) {
      add.rowsCommitted = staged.slice.rows.length;
      add.slices = 1;
    }
    const nextOffset = staged ? staged.slice.offsetEnd + 1n : head.nextOffset;
    const watermark = staged?.watermark ?? head.watermark;
    const last = blocks.at(-1);
    if (last) {
      this.head = {
        ...head,
        headHash: last.hash,
        headSequence: last.block.sequenceNumber,
        nextOffset,
        watermark,
        dataSchema: staged?.dataSchema ?? head.dataSchema,
      };
    }
    return {
      messages,
      pubrels,
      commit: {
        datasetId: head.id,
        datasetNum: head.num,
        expectedHeadHash: head.headHash,
        systemTime,
        blocks,
        slice: staged?.slice,
        nextOffset,
        watermark,
        dataSchema: staged?.dataSchema,
        stage,
        unstage: staged ? unstage : undefined,
        inferredReadSchema: stage || staged ? this.takeInferredReadSchema() : undefined,
        keyState: changes && { signature: stateSignature(schema!.strategy), upserts, deletes: [...changes.deletes] },
        qos2Receipts: { add: newReceipts, remove: pubrels },
        quarantine,
        pull: { id: this.a.pullId, add },
      },
    };
  }

  private async commitPrepared(p: PreparedCommit): Promise<void> {
    await this.a.store.commit(p.commit);
    // Committed: only now may the broker learn that these messages arrived.
    for (const m of p.messages) this.session!.acknowledge(m);
    for (const id of p.pubrels) this.session!.complete(id);
    // The broker answers released acknowledgements with more messages: idleness starts again now.
    this.touch();
    const add = p.commit.pull.add;
    this.counters = sumCounters(this.counters, add);
    this.progress('receiving');
  }

  private async priorState(rows: Row[], schema: ConfiguredSchema): Promise<PriorState> {
    const need = schema.strategy.stateNeed(rows);
    const stored =
      need.kind === 'none' ? new Map<string, JsonRow | null>() : await this.a.store.loadKeyState(this.head.num, need.kind === 'all' ? 'all' : need.keys);
    if (need.kind === 'keys') {
      for (const k of need.keys) {
        const o = this.stateOverlay.get(k);
        if (o === DELETED) stored.delete(k);
        else if (o !== undefined) stored.set(k, o);
      }
    } else if (need.kind === 'all') {
      for (const [k, o] of this.stateOverlay) o === DELETED ? stored.delete(k) : stored.set(k, o);
    }
    return priorStateFrom(stored, schema.layout, this.head.nextOffset > 0n);
  }

  /** The key state must describe the current merge keys; after a change of keys it is rebuilt from history once. */
  private async ensureKeyState({ strategy, layout }: ConfiguredSchema): Promise<void> {
    const { store } = this.a;
    if (strategy.primaryKey.length === 0 || this.head.stateSignature === stateSignature(strategy)) return;
    const state = new Map<string, JsonRow | null>();
    const fold = (rows: Row[]) => {
      const changes = applyToState(strategy, rows);
      for (const k of changes.deletes) state.delete(k);
      for (const [k, r] of changes.upserts) state.set(k, stateRowToStore(strategy, layout, r));
    };
    for await (const batch of store.readRows(this.head.num)) fold(batch.map((r) => fromStagedRow(r, layout)));
    // Rows a killed pull staged were merged against the old keys' state; they lead this pull's slice.
    fold(this.staged);
    await store.replaceKeyState(this.head, stateSignature(strategy), state);
  }

  private readonly topicVerdicts = new Map<string, boolean>();

  /** Whether a topic matches one of the manifest's filters (remembered: topics repeat). */
  private wantedTopic(topic: string): boolean {
    let wanted = this.topicVerdicts.get(topic);
    if (wanted === undefined) {
      wanted = this.a.source.topics.some((t) => topicMatches(t.path, topic));
      this.topicVerdicts.set(topic, wanted);
    }
    return wanted;
  }

  /** The schema of this pull; inferred from the first readable messages when none is declared. */
  private async schemaFor(messages: ReceivedMessage[]): Promise<ConfiguredSchema | undefined> {
    if (this.schema) return this.schema;
    const { source, options, head } = this.a;
    const inferred = inferReadSchema(
      source.read,
      messages.map((m) => m.payload),
      { eventTimeColumn: source.vocab.eventTimeColumn, maxPayloadBytes: options.maxPayloadBytes },
    );
    if (!inferred) return undefined;
    this.schema = configureSchema(inferred, source, head);
    this.inferredReadSchema = inferred;
    await this.ensureKeyState(this.schema);
    return this.schema;
  }

  private takeInferredReadSchema(): DataSchema | undefined {
    const inferred = this.inferredReadSchema;
    this.inferredReadSchema = undefined;
    return inferred;
  }

  private progress(stage: PullStage): void {
    this.a.onProgress?.({ stage, ...this.counters });
  }
}

const DELETED = Symbol('deleted');

/** Fewest unacknowledged messages common MQTT 3.1.1 brokers send (RabbitMQ's prefetch: 10). */
const SMALLEST_INFLIGHT_WINDOW = 10;

interface PreparedCommit {
  messages: ReceivedMessage[];
  pubrels: number[];
  commit: SliceCommit;
}

/** Which merge keys a key state was built for; a different signature means it must be rebuilt. */
export function stateSignature(strategy: MergeStrategy): string {
  return `${strategy.kind}:${JSON.stringify(strategy.primaryKey)}`;
}

/**
 * A Snapshot pull's snapshot is each topic's latest message. With QoS 1 a topic's retained state can
 * arrive twice (the copy queued for the session, and the retained copy the re-subscription sends);
 * merging both would emit one -C/+C pair per copy.
 */
function latestPerTopic(messages: ReceivedMessage[]): Set<ReceivedMessage> {
  const last = new Map<string, ReceivedMessage>();
  for (const m of messages) last.set(m.topic, m);
  return new Set(last.values());
}

/** Ledger only asks whether a key was seen, so its state rows keep no values. */
function stateRowToStore(strategy: MergeStrategy, layout: SliceLayout, row: Row): JsonRow | null {
  return strategy.kind === 'Ledger' ? null : encodeStateRow(row, layout);
}
