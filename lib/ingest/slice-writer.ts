import { chainBlocks } from '../chain/metadata-block';
import type { Row } from '../data/row';
import { SluiceError } from '../errors';
import type { DataSchema } from '../odf/data-type';
import type { ReceivedMessage } from './fetch/mqtt-session';
import { topicMatches } from './fetch/topic-filter';
import { encodeStateRow, priorStateFrom } from './key-state-codec';
import { applyToState, type StateChanges } from './merge/apply-to-state';
import { createMergeStrategy } from './merge/create-merge-strategy';
import { MergeError, type MergeStrategy, type PriorState } from './merge/merge-strategy';
import { BatchKeys } from './merge/merge-support';
import type { MqttSourceConfig } from './mqtt-source-config';
import { sumCounters, zeroCounters, type DatasetHead, type IngestStore, type JsonRow, type PullCounters, type QuarantineRecord, type SeenKeyGroup, type SliceCommit, type StagedRow } from './ports';
import { findSeenKeys, KeyPositions, seenKeyForm, seenKeyGroup, seenKeyOrder } from './seen-keys';
import { latestPerTopic } from '../datasets/snapshot-scope';
import { inferReadSchema } from './read/infer-schema';
import { readAheadPlan } from './read/read-ahead';
import { readMessage } from './read/read-message';
import { isRedelivery, qos2MessageDigest, type Qos2Receipts } from '../mqtt/qos2-receipts';
import { assertSchemaCompatible, dataSchemaOf, layoutFromReadSchema, withEventTimeColumn, type SliceLayout } from './slice-layout';
import { fillEventTimes, fromStagedRow, stageSlice, toStagedRow } from './stage-slice';
import { stagedWithoutSchema, takeOverStaged } from './take-over-staged';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What writing slices needs from a source (a pull's MQTT source, a push source). */
export type IngestSourceConfig = Pick<MqttSourceConfig, 'topics' | 'read' | 'readSchema' | 'merge' | 'vocab'>;

/** How an ingest types, lays out and merges rows: known up front, or once the first messages are in. */
export interface ConfiguredSchema {
  readSchema: DataSchema;
  layout: SliceLayout;
  strategy: MergeStrategy;
}

export function configureSchema(readSchema: DataSchema, source: IngestSourceConfig, head: DatasetHead): ConfiguredSchema {
  const layout = layoutFromReadSchema(readSchema, source.vocab);
  assertSchemaCompatible(head.dataSchema, dataSchemaOf(layout), head.name);
  try {
    return { readSchema, layout, strategy: createMergeStrategy(source.merge, { fields: layout.mergeFields, vocab: source.vocab }) };
  } catch (err) {
    if (err instanceof MergeError) throw new SluiceError('SCHEMA_INVALID', `merge ${source.merge.kind}: ${err.message}`);
    throw err;
  }
}

export interface SliceWriterArgs {
  store: IngestStore;
  clock: Clock;
  head: DatasetHead;
  source: IngestSourceConfig;
  schema: ConfiguredSchema | undefined;
  /** The pull (or fold) the commits are counted under; its lease guards them. */
  pullId: string;
  maxPayloadBytes: number;
  /**
   * A device inbox: a QoS 1 message whose PUBACK was lost is stored again when the device resends
   * it, and both copies can fall in one batch, where a Ledger merge would keep both (duplicates
   * inside a batch are kept, as in Kamu). Set, a Ledger keeps a key's first row of the batch, as if
   * the resent copy had come in a later batch: what a fold commits does not depend on where
   * batches are cut.
   */
  repeatedKeysAreRedeliveries?: boolean;
}

export interface PreparedCommit {
  messages: ReceivedMessage[];
  pubrels: number[];
  commit: SliceCommit;
  /** The key-state overlay entries this batch set (see SliceWriter.stateOverlay), dropped once it commits. */
  overlay: { generation: number; keys: string[] };
  /**
   * Batches held before this one (SliceWriter.hold), committed ahead of it in the same
   * transaction: their messages may be acknowledged, and their PUBRELs completed, once it lands.
   */
  held?: HeldBatch[];
}

/**
 * A held batch: its commit, and of its messages only what acknowledging them needs, so a pull
 * holding its record cap does not also hold every payload and read-ahead result until its slice.
 */
export interface HeldBatch extends Omit<PreparedCommit, 'messages' | 'held'> {
  messages: Pick<ReceivedMessage, 'qos' | 'messageId'>[];
}

/** The batches a prepared commit lands, in the order its transaction applies them: the held ones, then its own. */
export function batchesOf(p: PreparedCommit): HeldBatch[] {
  return [...(p.held ?? []), p];
}

/**
 * The core every ingest shares, whatever brings the messages (a pull's MQTT session, a push
 * dataset's inbox): read → merge → stage → commit. `prepare` reads and merges a batch of received
 * messages against the state as it will be once the commit before it lands, and either stages its
 * rows (durable, published later) or publishes them — with every staged row — as one slice and
 * AddData block; `commit` writes a prepared batch atomically. Batches must be committed in the
 * order they were prepared (the head, key state and staged rows advance at `prepare`).
 *
 * QoS 2 packet ids of messages with one (a pull's broker session) are remembered in `receipts`
 * until the commit of a PUBREL releasing them lands, so a redelivery is counted as a duplicate and
 * not read twice.
 */
export class SliceWriter {
  /** The head as it will be once every prepared commit landed. */
  head: DatasetHead;
  counters: PullCounters = zeroCounters();
  /**
   * QoS 2 ids committed (or being committed) whose release (PUBREL) is not committed yet, with
   * their messages' digests: a PUBLISH with one is a redelivery when it is the same message.
   */
  receipts: Qos2Receipts = new Map();
  /**
   * Rows committed (or being committed) to the staging rows and not yet published, in slice order:
   * a killed pull's first, then this pull's windows. The record cap bounds them.
   */
  private staged: Row[] = [];
  /** `staged` as stored (toStagedRow), made once when they are staged: the slice is encoded from them. */
  private stagedStored: StagedRow[] = [];
  /** Batches prepared and held in memory (see hold), in order: the next prepared batch commits them. */
  private held: HeldBatch[] = [];
  /** The rows of `held`: the last of `staged`, not in the store's staging rows. */
  private heldRows = 0;
  /** The system time of the slice `staged` leads to: its first rows' batch's (rows a killed pull staged have their own). */
  private sliceSystemTime: Date | undefined;
  /** Snapshot merges need the whole snapshot at once, so they commit once, at the end. */
  readonly singleBatch: boolean;
  /**
   * Key-state changes of batches prepared and not yet committed, laid over what the store returns
   * (it does not have them yet), each with the generation of the batch that set it. A committed
   * batch's entries leave (the store has them then), unless a later batch set the key again: so
   * the overlay holds at most the keys of the batches in flight, also in a run that never ends
   * (a follow pull over millions of Ledger keys grew by every key before).
   */
  private readonly stateOverlay = new Map<string, { value: JsonRow | null | typeof DELETED; generation: number }>();
  private overlayGeneration = 0;
  /** The key-state signature the dataset records (once the commits prepared land): a commit sets it only when it changes. */
  private recordedSignature: string | null;
  private schema: ConfiguredSchema | undefined;
  /** The read-ahead plan key of `schema`: a message read ahead under it need not be read again. */
  private readKey: string | undefined;
  /** Set when this ingest inferred the read schema: it is recorded with the first commit. */
  private inferredReadSchema: DataSchema | undefined;

  /** The pull the commits are counted under (see nextPull). */
  private pullId: string;

  constructor(private readonly a: SliceWriterArgs) {
    this.pullId = a.pullId;
    this.head = a.head;
    this.recordedSignature = a.head.stateSignature;
    this.schema = a.schema;
    this.readKey = this.readKeyOf(a.schema);
    this.singleBatch = a.source.merge.kind === 'Snapshot';
  }

  /** How committed rows are laid out, once the schema is known (declared, recorded or inferred). */
  get layout(): SliceLayout | undefined {
    return this.schema?.layout;
  }

  /** Rows staged or held and not yet published. */
  get stagedCount(): number {
    return this.staged.length;
  }

  /** Batches held (see hold) that no commit has taken yet: they hold rows, quarantine records or receipts. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /**
   * Goes on under the next pull of a run, which the lease passed to (PullLease.passTo): head, key
   * state and receipts stay as the commits left them, nothing is read again; counters start anew.
   * Between slices only: staged rows belong to the pull that staged them.
   */
  nextPull(pullId: string): void {
    if (this.staged.length || this.held.length) throw new Error('a writer with staged or held rows cannot pass to another pull');
    this.pullId = pullId;
    this.counters = zeroCounters();
  }

  /** Takes in the rows a killed pull staged (they lead the next slice) and brings the key state up to date. */
  async start(): Promise<void> {
    const { store, head } = this.a;
    const batches = await store.loadStagedRows(head.num);
    if (batches.length && !this.schema) throw stagedWithoutSchema(batches, head.name);
    if (this.schema) {
      const { layout, strategy } = this.schema;
      this.stagedStored = takeOverStaged(batches, layout, strategy.primaryKey, head.name);
      this.staged = this.stagedStored.map((r) => fromStagedRow(r, layout));
      await this.ensureKeyState(this.schema);
    }
  }

  /**
   * Reads and merges a batch against the state as it will be once the commit in flight lands.
   * Its rows are staged, or with `publish` become the slice after the staged ones; then
   * `head` advances to what this commit will make it. Batches held before it commit in the same
   * transaction, ahead of it: staged with it, or published in its slice.
   */
  async prepare(messages: ReceivedMessage[], pubrels: number[], publish: boolean): Promise<PreparedCommit> {
    const prepared = await this.prepareBatch(messages, pubrels, publish);
    if (!this.held.length) return prepared;
    const held = this.held.splice(0);
    this.heldRows = 0;
    // Published, their rows are in this slice (counted out of `unstage`): they are not staged.
    if (publish) for (const h of held) delete h.commit.stage;
    return { ...prepared, held };
  }

  /**
   * Reads and merges a batch as `prepare` does, and keeps its commit in memory instead of
   * returning it: the next prepared batch commits it, in the same transaction, and its messages
   * may be acknowledged only then. For a batch no acknowledgement would make the broker follow
   * with more (a pull's, once it takes no more messages): its rows need not be staged, written
   * and read back only to be deleted when the slice is published.
   */
  async hold(messages: ReceivedMessage[], pubrels: number[]): Promise<void> {
    const { commit, overlay } = await this.prepareBatch(messages, pubrels, false);
    this.held.push({ messages: messages.map(({ qos, messageId }) => ({ qos, messageId })), pubrels, commit, overlay });
    this.heldRows += commit.stage?.rows.length ?? 0;
  }

  private async prepareBatch(messages: ReceivedMessage[], pubrels: number[], publish: boolean): Promise<PreparedCommit> {
    const schema = await this.schemaFor(messages);
    // One system time a slice (Kamu's ingest time), taken when its first rows are prepared: rows
    // without an event time get the slice's, whether their batch was staged, held or published.
    const systemTime = (this.staged.length && this.sliceSystemTime) || this.a.clock.now();
    const read = this.readBatch(messages, schema);
    const { rows, add } = read;
    // Each row's merge key, computed once for the lookup, the merge and the state changes.
    const keys = schema?.strategy.primaryKey.length ? new BatchKeys(schema.strategy.primaryKey) : undefined;
    // A Ledger's key positions too: its keys are looked up, then its new ones recorded as its group.
    const positions = schema?.strategy.kind === 'Ledger' ? new KeyPositions(seenKeyOrder(schema.strategy)) : undefined;
    if (keys && this.a.repeatedKeysAreRedeliveries && schema!.strategy.kind === 'Ledger') {
      const kept = firstRowPerKey(keys, rows);
      add.duplicates += rows.length - kept.length;
      rows.splice(0, rows.length, ...kept);
    }
    // Without a schema (nothing readable to infer one from yet) only quarantine records are written.
    const merged = schema && rows.length ? fillEventTimes(schema.strategy.merge(await this.priorState(rows, schema, keys, positions), rows, keys), schema.layout, systemTime) : [];
    // A Ledger drops each row whose key it has seen: a redelivery or a repeated reading, a duplicate.
    if (schema?.strategy.kind === 'Ledger') add.duplicates += rows.length - merged.length;
    return this.record(messages, pubrels, publish, { ...read, schema, systemTime, merged, keys, positions });
  }

  /**
   * Reads a batch's messages (from what the session thread read ahead when it can), in order: its
   * rows, quarantine records and new QoS 2 receipts, and its counters but for merging and slicing.
   * Apart from prepareBatch's merge, which awaits the key state: this loop, run for every message,
   * is compiled and optimised on its own (inside it, each change of prepareBatch's type feedback
   * recompiled all of it, at 30–100 ms a time).
   */
  private readBatch(messages: ReceivedMessage[], schema: ConfiguredSchema | undefined): BatchRead {
    const { source } = this.a;
    const add: PullCounters = { messagesReceived: messages.length, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 };
    /** Receipts this batch takes, by id: a broker that lost its state may reuse an id within the batch too. */
    const newReceipts = new Map<number, string>();
    const quarantine: QuarantineRecord[] = [];
    const rows: Row[] = [];
    // Kamu's snapshot is every record of the pull (the merge keeps each key's latest record); with
    // the dataset's `topic` scope only each topic's latest message counts.
    const current = this.singleBatch && this.a.head.snapshotScope === 'topic' ? new Set(latestPerTopic(messages)) : undefined;
    for (const m of messages) {
      // A filter removed from the manifest can still deliver until the broker processed the unsubscribe.
      if (!this.wantedTopic(m.topic)) continue;
      if (current && !current.has(m)) {
        add.duplicates++;
        continue;
      }
      // Only a broker session's QoS 2 messages carry a packet id to remember (inbox messages were deduplicated on receipt).
      if (m.qos === 2 && m.messageId !== undefined) {
        const id = m.messageId;
        const digest = qos2MessageDigest(m);
        const receipt = this.receipts.get(id);
        if (receipt !== undefined && isRedelivery(receipt, digest)) {
          add.duplicates++;
          continue;
        }
        // No receipt, or another message under a receipted id: new, its receipt replaces the stale one.
        this.receipts.set(id, digest);
        newReceipts.set(id, digest);
      }
      const ref = m.readAhead;
      const ahead = ref !== undefined && ref.results.key === this.readKey ? ref.results.at(ref.index) : undefined;
      const result = ahead ?? readMessage(source.read, schema?.readSchema ?? { fields: [] }, m, { maxPayloadBytes: this.a.maxPayloadBytes });
      // Without a schema only a blank payload reads (as no rows): nothing here held a record.
      // A loop, not push(...rows): spreading a message of some 150,000 rows overflowed the stack.
      if (result.ok) for (const r of result.rows) rows.push(withEventTimeColumn(r, schema!.layout));
      else {
        add.quarantined++;
        quarantine.push({ topic: m.topic, qos: m.qos, retained: m.retain, payload: m.payload, reason: result.reason, receivedAt: m.receivedAt });
      }
    }
    return { rows, add, quarantine, newReceipts };
  }

  /**
   * A read and merged batch into its commit: the key-state changes (and their overlay), staged rows
   * or, with `publish`, the slice of every staged row and its blocks; `head` advances to what this
   * commit will make it.
   */
  private record(messages: ReceivedMessage[], pubrels: number[], publish: boolean, b: MergedBatch): PreparedCommit {
    const { schema, systemTime, merged, keys, positions, add, quarantine, newReceipts } = b;
    // A PUBREL releases the receipt of a message before it; one repeated by the broker after the
    // id was released and reused by a message of this batch must not take the new receipt along.
    const released = newReceipts.size ? pubrels.filter((id) => !newReceipts.has(id)) : pubrels;
    // The key state moves with every batch, staged or published: the next batch's merge sees these rows.
    const changes = merged.length && keys ? stateChanges(schema!.strategy, merged, keys) : undefined;
    // The batch's first row's place in the coming slice, after every staged and held row.
    const position = this.staged.length;
    // Ledger records the batch's keys as a seen-key group; the others their current rows.
    const seen = changes && schema!.strategy.kind === 'Ledger' ? seenKeyGroup(schema!.strategy, merged, this.head.nextOffset + BigInt(position), changes.upserts.keys(), positions) : undefined;
    const upserts = new Map(seen ? [] : [...(changes?.upserts ?? [])].map(([k, r]) => [k, encodeStateRow(r, schema!.layout)]));
    const generation = ++this.overlayGeneration;
    const overlaid: string[] = [];
    const overlay = (k: string, value: JsonRow | null | typeof DELETED) => {
      this.stateOverlay.set(k, { value, generation });
      overlaid.push(k);
    };
    for (const [k, r] of upserts) overlay(k, r);
    if (seen) for (const k of changes!.upserts.keys()) overlay(k, null);
    for (const k of changes?.deletes ?? []) overlay(k, DELETED);
    const stored = merged.map((r) => toStagedRow(r, schema!.layout));
    const stage = !publish && merged.length ? { position, rows: stored, dataSchema: dataSchemaOf(schema!.layout) } : undefined;
    for (const row of merged) this.staged.push(row);
    this.sliceSystemTime = systemTime;
    for (const row of stored) this.stagedStored.push(row);
    const head = this.head;
    const staged =
      publish && this.schema
        ? stageSlice({
            merged: this.staged.splice(0),
            stored: this.stagedStored.splice(0),
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
        // The staged rows the store holds: a held batch's rows (the last of `staged`) are not among them.
        unstage: staged ? position - this.heldRows : undefined,
        inferredReadSchema: stage || staged ? this.takeInferredReadSchema() : undefined,
        keyState: changes && { signature: this.signatureChange(schema!.strategy), upserts, deletes: [...changes.deletes], seen },
        qos2Receipts: { add: [...newReceipts].map(([id, digest]) => ({ id, digest })), remove: released },
        quarantine,
        pull: { id: this.pullId, add },
      },
      overlay: { generation, keys: overlaid },
    };
  }

  /** The signature a commit of `strategy`'s key state must record, unless the dataset records it already. */
  private signatureChange(strategy: MergeStrategy): string | undefined {
    const signature = stateSignature(strategy);
    if (signature === this.recordedSignature) return undefined;
    this.recordedSignature = signature;
    return signature;
  }

  /**
   * Commits a prepared batch, and the batches held before it, in one transaction; their messages
   * may be acknowledged (or its inbox rows are gone) once this resolves.
   */
  async commit(p: PreparedCommit): Promise<void> {
    const batches = batchesOf(p);
    await this.a.store.commit(...batches.map((b) => b.commit));
    for (const b of batches) {
      // A PUBREL ends the broker's use of its packet id once its PUBCOMP goes, after this commit: a
      // PUBLISH with the id before then is a redelivery, and a PUBREL repeated meanwhile waits for
      // the next commit (answered at once, its PUBCOMP went before the receipt's removal was
      // committed, and a pull killed then found the receipt and dropped the id's next message).
      for (const id of b.commit.qos2Receipts.remove) this.receipts.delete(id);
      this.counters = sumCounters(this.counters, b.commit.pull.add);
      for (const k of b.overlay.keys) if (this.stateOverlay.get(k)?.generation === b.overlay.generation) this.stateOverlay.delete(k);
    }
  }

  private async priorState(rows: Row[], schema: ConfiguredSchema, keys: BatchKeys | undefined, positions: KeyPositions | undefined): Promise<PriorState> {
    const need = schema.strategy.stateNeed(rows, keys);
    // The overlay as the lookup is sent: a commit in flight can land while the store answers and
    // leave the overlay, though the answer (read before it landed) may not hold its keys.
    const overlaid = new Map<string, JsonRow | null | typeof DELETED>();
    if (need.kind === 'all') for (const [k, { value }] of this.stateOverlay) overlaid.set(k, value);
    else if (need.kind === 'keys') {
      for (const k of need.keys) {
        const o = this.stateOverlay.get(k);
        if (o) overlaid.set(k, o.value);
      }
    }
    const stored =
      need.kind === 'none'
        ? new Map<string, JsonRow | null>()
        : schema.strategy.kind === 'Ledger' && need.kind === 'keys'
          ? new Map([...(await this.seenKeys(need.keys, schema, positions))].map((k) => [k, null]))
          : await this.a.store.loadKeyState(this.head.num, need.kind === 'all' ? 'all' : need.keys);
    for (const [k, o] of overlaid) o === DELETED ? stored.delete(k) : stored.set(k, o);
    return priorStateFrom(stored, schema.layout, this.head.nextOffset > 0n);
  }

  /** Which of `keys` this Ledger has seen in its committed and staged rows (see seen-keys.ts). */
  private seenKeys(keys: string[], { strategy, layout }: ConfiguredSchema, positions: KeyPositions | undefined): Promise<Set<string>> {
    const { store } = this.a;
    return findSeenKeys({
      store,
      datasetNum: this.head.num,
      strategy,
      positions,
      keys,
      rowsOf: async (group) => {
        const end = group.offsetStart + BigInt(group.rowCount);
        const rows: Row[] = [];
        for await (const batch of store.readRows(this.head.num, { fromOffset: group.offsetStart, toOffset: end })) {
          for (const r of batch) rows.push(fromStagedRow(r, layout));
        }
        // Rows past the head are staged, not yet in a slice: this ingest holds them in slice order.
        // (Rows of a commit still in flight are not read back: this ingest's keys are in stateOverlay.)
        const head = this.head.nextOffset;
        for (let o = group.offsetStart > head ? group.offsetStart : head; o < end; o++) {
          const row = this.staged[Number(o - head)];
          if (row) rows.push(row);
        }
        return rows;
      },
    });
  }

  /** The key state must describe the current merge keys; after a change of keys it is rebuilt from history once. */
  private async ensureKeyState({ strategy, layout }: ConfiguredSchema): Promise<void> {
    const { store } = this.a;
    if (strategy.primaryKey.length === 0 || this.head.stateSignature === stateSignature(strategy)) return;
    if (strategy.kind === 'Ledger') {
      // One seen-key group per slice, and one for the rows a killed pull staged (they lead this ingest's slice).
      const groups: SeenKeyGroup[] = [];
      for await (const batch of store.readRows(this.head.num)) {
        groups.push(seenKeyGroup(strategy, batch.map((r) => fromStagedRow(r, layout)), batch[0].offset));
      }
      if (this.staged.length) groups.push(seenKeyGroup(strategy, this.staged, this.head.nextOffset));
      await store.replaceKeyState(this.head, stateSignature(strategy), new Map(), groups);
      this.recordedSignature = stateSignature(strategy);
      return;
    }
    const state = new Map<string, JsonRow | null>();
    const fold = (rows: Row[]) => {
      const changes = applyToState(strategy, rows);
      for (const k of changes.deletes) state.delete(k);
      for (const [k, r] of changes.upserts) state.set(k, encodeStateRow(r, layout));
    };
    for await (const batch of store.readRows(this.head.num)) fold(batch.map((r) => fromStagedRow(r, layout)));
    // Rows a killed pull staged were merged against the old keys' state; they lead this pull's slice.
    fold(this.staged);
    await store.replaceKeyState(this.head, stateSignature(strategy), state);
    this.recordedSignature = stateSignature(strategy);
  }

  private readonly topicVerdicts = new Map<string, boolean>();

  /** Whether a topic matches one of the source's filters (remembered: topics repeat). */
  private wantedTopic(topic: string): boolean {
    let wanted = this.topicVerdicts.get(topic);
    if (wanted === undefined) {
      wanted = this.a.source.topics.some((t) => topicMatches(t.path, topic));
      this.topicVerdicts.set(topic, wanted);
    }
    return wanted;
  }

  /** The schema of this ingest; inferred from the first readable messages when none is declared. */
  private async schemaFor(messages: ReceivedMessage[]): Promise<ConfiguredSchema | undefined> {
    if (this.schema) return this.schema;
    const { source, head } = this.a;
    const inferred = inferReadSchema(
      source.read,
      messages.map((m) => m.payload),
      { eventTimeColumn: source.vocab.eventTimeColumn, maxPayloadBytes: this.a.maxPayloadBytes },
    );
    if (!inferred) return undefined;
    this.schema = configureSchema(inferred, source, head);
    this.readKey = this.readKeyOf(this.schema);
    this.inferredReadSchema = inferred;
    await this.ensureKeyState(this.schema);
    return this.schema;
  }

  private readKeyOf(schema: ConfiguredSchema | undefined): string | undefined {
    return schema && readAheadPlan(this.a.source.read, schema.readSchema, this.a.maxPayloadBytes).key;
  }

  private takeInferredReadSchema(): DataSchema | undefined {
    const inferred = this.inferredReadSchema;
    this.inferredReadSchema = undefined;
    return inferred;
  }
}

const DELETED = Symbol('deleted');

/** A batch's messages as read (SliceWriter.readBatch). */
interface BatchRead {
  rows: Row[];
  add: PullCounters;
  quarantine: QuarantineRecord[];
  newReceipts: Map<number, string>;
}

/** A read batch once merged, with what its commit is made from. */
interface MergedBatch extends BatchRead {
  schema: ConfiguredSchema | undefined;
  systemTime: Date;
  merged: Row[];
  keys: BatchKeys | undefined;
  positions: KeyPositions | undefined;
}

/**
 * Which merge keys, and which form, a key state was built for; a different signature means it must
 * be rebuilt. Ledger's names its form: seen-key groups of 64-bit positions, by event time and hash
 * or by hash (seen-keys.ts; before: one row per key).
 */
export function stateSignature(strategy: MergeStrategy): string {
  return `${strategy.kind === 'Ledger' ? seenKeyForm(strategy) : strategy.kind}:${JSON.stringify(strategy.primaryKey)}`;
}

/**
 * applyToState of a batch's merged rows. A Ledger's state is only which keys it has seen and its
 * rows are all appends: their keys, each with its row as is (the values are not read), spare a copy
 * of every row.
 */
function stateChanges(strategy: MergeStrategy, merged: readonly Row[], keys: BatchKeys): StateChanges {
  if (strategy.kind !== 'Ledger') return applyToState(strategy, merged);
  const upserts = new Map<string, Row>();
  for (const row of merged) upserts.set(keys.state(row), row);
  return { upserts, deletes: new Set() };
}

/** Each key's first row (rows with a null key cell never match, so they are all kept). */
function firstRowPerKey(keys: BatchKeys, rows: readonly Row[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = keys.join(row);
    if (key === undefined) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
