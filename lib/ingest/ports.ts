import type { HashedBlock, MetadataEventJson } from '../chain/metadata-block';
import type { JsonValue } from '../data/row';
import type { DataSchema } from '../odf/data-type';
import type { DatasetSnapshot } from '../odf';
import type { QosDowngrade, TopicSubscription } from './fetch/mqtt-session';
import type { Qos2Receipts } from '../mqtt/qos2-receipts';
import type { DeflateSegment } from '../data/deflate-segments';
import type { DatasetKey } from '../datasets/dataset-key';
import type { SnapshotScope } from '../datasets/snapshot-scope';
import type { StoredSecrets } from '../secrets/secret-release';

/** What a pull needs to know about a dataset: its head and the engine's bookkeeping. */
export interface DatasetHead {
  id: string;
  workspaceId: string;
  /** The dataset's compact key in the row tables. */
  num: number;
  /** The dataset's name within its workspace (for messages). */
  name: string;
  snapshot: DatasetSnapshot;
  headHash: string;
  headSequence: number;
  /** Offset the next committed row gets. */
  nextOffset: bigint;
  watermark: Date | null;
  /** Data columns fixed by the first SetDataSchema (null before the first data commit). */
  dataSchema: DataSchema | null;
  /** The read schema inferred from the first messages, when the manifest declares none. */
  inferredReadSchema: DataSchema | null;
  stateSignature: string | null;
  mqttClientId: string;
  sessionTopics: TopicSubscription[] | null;
  /** False: a connection began changing the session's filters and did not confirm them; the session may hold any of sessionTopics (session-record.ts). */
  sessionTopicsConfirmed: boolean;
  /** What a Snapshot pull's snapshot is (a dataset setting outside the manifest). */
  snapshotScope: SnapshotScope;
  /** Streamed by the worker (always-on-runner.ts), a dataset setting outside the manifest. */
  alwaysOn: boolean;
}

export type JsonRow = Record<string, JsonValue>;

/**
 * A row as stored: system columns apart; the data columns (without the event-time column) as a
 * JSON array of lossless cells in the data schema's column order. Positional, because column
 * names repeated in every row doubled the insert cost; the data schema only ever grows by
 * appending columns, so older, shorter rows read the new columns as null.
 */
export interface StoredRow {
  offset: bigint;
  op: number;
  systemTime: Date;
  eventTime: Date;
  data: JsonValue[];
}

/** A row staged for the pull's slice: a StoredRow before it has an offset and a system time. */
export type StagedRow = Omit<StoredRow, 'offset' | 'systemTime'>;

/** Rows staged in one commit, with the data schema (dataSchemaOf their layout) they were staged under: their cells are by its column positions. */
export interface StagedBatch {
  /** Null for a batch staged before staged batches recorded it: read under the pull's own layout. */
  dataSchema: DataSchema | null;
  rows: StagedRow[];
}

export interface QuarantineRecord {
  topic: string;
  qos: number;
  retained: boolean;
  payload: Buffer;
  reason: string;
  receivedAt: Date;
}

export interface PullCounters {
  messagesReceived: number;
  rowsCommitted: number;
  quarantined: number;
  duplicates: number;
  slices: number;
}

export function zeroCounters(): PullCounters {
  return { messagesReceived: 0, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 };
}

/** The counters of `a` and `b` together. */
export function sumCounters(a: PullCounters, b: PullCounters): PullCounters {
  return {
    messagesReceived: a.messagesReceived + b.messagesReceived,
    rowsCommitted: a.rowsCommitted + b.rowsCommitted,
    quarantined: a.quarantined + b.quarantined,
    duplicates: a.duplicates + b.duplicates,
    slices: a.slices + b.slices,
  };
}

/**
 * Everything one commit writes, applied atomically. The head moves by compare-and-swap on
 * `expectedHeadHash`: a concurrent writer makes the commit fail with HEAD_MOVED, never fork.
 */
/** A slice as committed: its rows, hash and size (ODF), and its Arrow encoding for browsers. */
export interface CommittedSlice {
  offsetStart: bigint;
  offsetEnd: bigint;
  hash: string;
  size: number;
  rows: StoredRow[];
  /** The canonical bytes `hash` covers, when the writer still has them (a compaction feeds them to a merged slice's hash). */
  canonical?: Uint8Array;
  /** Compressed Arrow record batches, in the layout `schemaKey` names (lib/ingest/slice-arrow.ts). */
  arrow: { segment: DeflateSegment; schemaKey: string };
}

export interface SliceCommit {
  datasetId: string;
  datasetNum: number;
  expectedHeadHash: string;
  systemTime: Date;
  blocks: HashedBlock[];
  slice?: CommittedSlice;
  nextOffset: bigint;
  watermark: Date | null;
  dataSchema?: DataSchema;
  /**
   * Rows made durable now and published later with the pull's slice, so their messages may be
   * acknowledged after this commit (a window of an MQTT 3.1.1 broker, a batch of a large backlog).
   * `position` is the first row's place in the coming slice.
   */
  stage?: { position: number; rows: StagedRow[]; dataSchema: DataSchema };
  /**
   * With `slice`: how many staged rows lead it. They are every staged row of the dataset (the
   * lease admits one pull) and are deleted in the same transaction.
   */
  unstage?: number;
  /** Recorded with the first commit of a dataset whose manifest has no read schema. */
  inferredReadSchema?: DataSchema;
  /**
   * Current rows by key (Snapshot, ChangelogStream, UpsertStream), or the batch's seen keys (Ledger);
   * `signature` only when the dataset's recorded key-state signature changes with this commit.
   */
  keyState?: { signature?: string; upserts: Map<string, JsonRow | null>; deletes: string[]; seen?: SeenKeyGroup };
  /** Receipts taken (each id once, with its message's digest: qos2-receipts.ts) and released. */
  qos2Receipts: { add: { id: number; digest: string }[]; remove: number[] };
  quarantine: QuarantineRecord[];
  pull: { id: string; add: PullCounters };
  /**
   * Device inbox rows (ids) this commit folds into the chain: deleted in the same transaction, and
   * the commit fails unless every one of them was still there (a message leaves its inbox once).
   */
  inbox?: bigint[];
}

/** An AddData block at the end of a chain, with the offsets of the slice it adds (compact-tail.ts). */
export interface TailAddData {
  sequenceNumber: number;
  hash: string;
  prevHash: string;
  systemTime: Date;
  event: { kind: 'AddData'; prevOffset?: number; newData?: unknown; newWatermark?: string } & Record<string, unknown>;
  offsetStart: bigint;
  offsetEnd: bigint;
}

/** A block of a chain as stored (a compaction links the blocks after a merged run anew). */
export interface StoredBlock {
  sequenceNumber: number;
  hash: string;
  prevHash: string | null;
  systemTime: Date;
  event: MetadataEventJson;
}

/** A committed slice as stored, with its compressed Arrow record batches (what a compaction joins). */
export interface StoredSliceArrow {
  offsetStart: bigint;
  offsetEnd: bigint;
  hash: string;
  size: number;
  arrow: { segment: DeflateSegment; schemaKey: string };
}

/**
 * A run of adjacent AddData blocks, and their slices, replaced by one block and one slice (same
 * offsets, rows and row bytes), in one transaction under the lease of `pullId`: the blocks from
 * `blocks[0]`'s sequence number to the head are replaced by `blocks` (the merged block, then the
 * blocks that followed the run with their events unchanged, linked anew), and the head moves by
 * compare-and-swap on `expectedHeadHash`.
 */
export interface TailReplacement {
  datasetId: string;
  pullId: string;
  expectedHeadHash: string;
  blocks: HashedBlock[];
  slice: Omit<CommittedSlice, 'rows'> & { systemTime: Date };
  /** How many slices the run held: the transaction fails unless exactly these are replaced. */
  replacedSlices: number;
}

/** A device message waiting in a push dataset's inbox. */
export interface InboxRow {
  id: bigint;
  topic: string;
  payload: Buffer;
  qos: number;
  receivedAt: Date;
}

/**
 * Ledger's key state for one committed batch: the 64-bit positions (seen-keys.ts: event time and
 * hash, or hash) of the keys of its rows, which have (or, staged, will have) offsets
 * [offsetStart, offsetStart + rowCount). A position says only that a key at it may have been
 * seen: the rows confirm it.
 */
export interface SeenKeyGroup {
  offsetStart: bigint;
  rowCount: number;
  positions: BigInt64Array;
}

export type PullStatus = 'running' | 'updated' | 'up_to_date' | 'failed';

export interface PullOutcome {
  status: Exclude<PullStatus, 'running'>;
  hasMore: boolean;
  /** Filters the broker granted a lower QoS than asked (empty when it granted every one, or the pull never subscribed). */
  qosDowngrades?: QosDowngrade[];
  errorCode?: string;
  error?: string;
}

/** A dataset's pull lease: one pull holds it at a time, across processes; its commits check it. */
export interface PullLease {
  release(): Promise<void>;
  /**
   * Hands the lease to the next pull of the same run and records that pull as started, at once:
   * no other pull can run in between, so what the run holds in memory (head, key state, QoS 2
   * receipts) stays current. Throws PULL_ALREADY_RUNNING when the lease was lost meanwhile.
   */
  passTo(pullId: string): Promise<void>;
  /**
   * Whether this process may act for the dataset now: false while no renewal has succeeded for long
   * enough that another process could take the lease (the TTL less a margin, from when the last
   * successful renewal was sent), counted on this process's own clocks, so a stall or a suspended
   * machine counts, until a renewal succeeds (confirm); false for good once a renewal found the
   * lease taken, or it was released. Commits check the lease in the database; what a run does
   * without a commit (answering a PUBREL it has no receipt for, connecting its broker session,
   * which takes the session from any other holder) must check this (ensureLeaseHeld).
   */
  held(): boolean;
  /** Renews the lease now (a database round trip); throws PULL_ALREADY_RUNNING if it was taken or released. */
  confirm(): Promise<void>;
  /** Aborted (reason: PULL_ALREADY_RUNNING) once a renewal or hand-over found the lease taken. */
  readonly lost: AbortSignal;
}

/** A streaming run's broker session, as its pull record keeps it (IngestStore.setPullConnection). */
export type PullConnection = { connectedAt: Date } | { connectedAt: null; waitingOn?: { code: string; message: string } };

/** The store port the ingest engine writes through (Postgres via Prisma in lib/store). */
export interface IngestStore {
  getDatasetHead(dataset: DatasetKey): Promise<DatasetHead | undefined>;
  /** Takes the dataset's pull lease or throws PULL_ALREADY_RUNNING; `release` ends it. */
  acquirePullLease(datasetId: string, pullId: string): Promise<PullLease>;
  /**
   * Records the pull; closes any other pull still marked running as INTERRUPTED (its process died).
   * Says whether there was one or the latest pull lost its connection (`interruptedPull`), and
   * whether the latest finished pull stopped at its cap having received messages: either way the
   * broker may still hold messages that pull had received.
   */
  startPull(datasetId: string, pullId: string): Promise<{ interruptedPull: boolean; previousCapped: boolean }>;
  finishPull(pullId: string, outcome: PullOutcome): Promise<void>;
  /** Current state rows by primary-key string; `'all'` loads every key (Snapshot merges). */
  loadKeyState(datasetNum: number, keys: string[] | 'all'): Promise<Map<string, JsonRow | null>>;
  /** Ledger's seen-key groups that may hold any of `positions` (each with those of `positions` it may hold: the rows confirm). */
  findSeenKeyGroups(datasetNum: number, positions: bigint[]): Promise<SeenKeyGroup[]>;
  /**
   * Replaces the whole key state (after the merge keys changed and it was rebuilt from history):
   * current rows, or for Ledger its seen-key groups.
   */
  replaceKeyState(dataset: { id: string; num: number }, signature: string, state: Map<string, JsonRow | null>, seen?: SeenKeyGroup[]): Promise<void>;
  /** Committed rows with offsets in [fromOffset, toOffset), in offset order, in batches (one per slice). */
  readRows(datasetNum: number, opts?: { fromOffset?: bigint; toOffset?: bigint; batchSize?: number }): AsyncIterable<StoredRow[]>;
  /** Staged rows a pull left unpublished (it was killed), batch by batch in slice order. */
  loadStagedRows(datasetNum: number): Promise<StagedBatch[]>;
  loadQos2Receipts(datasetId: string): Promise<Qos2Receipts>;
  /**
   * Forgets the QoS 2 receipts of a broker session that no longer exists. Only while `pullId` holds
   * the dataset's lease (the database says so in the same statement): a run that lost it would
   * delete the holder's receipts. Throws PULL_ALREADY_RUNNING otherwise.
   */
  clearQos2Receipts(datasetId: string, pullId: string): Promise<void>;
  /** Records the filters the broker session holds (null: no session), confirmed; only while `pullId` holds the lease, as clearQos2Receipts. */
  saveSessionTopics(datasetId: string, pullId: string, topics: TopicSubscription[] | null): Promise<void>;
  /** Records that the broker session may hold any of `topics` until a connection confirms them (saveSessionTopics); lease-checked too. */
  markSessionTopicsUnconfirmed(datasetId: string, pullId: string, topics: TopicSubscription[]): Promise<void>;
  /**
   * A streaming run's broker session: open (subscribed) since `connectedAt`, or not open, with why
   * when the run is waiting to connect again. What the dataset page's Live says; the reason stays
   * on the pull record (its error) until a connection opens, so a run stopped while it waited says why.
   */
  setPullConnection(pullId: string, connection: PullConnection): Promise<void>;
  /** The dataset's and workspace's stored secrets with their broker bindings (see lib/secrets/secret-release.ts). */
  loadSecrets(head: Pick<DatasetHead, 'id' | 'workspaceId'>): Promise<StoredSecrets>;
  /** Applies one pull's commits in order, in one transaction: all of them land, or none. */
  commit(...commits: SliceCommit[]): Promise<void>;
  /** The chain's trailing AddData blocks that add a slice, newest first, at most `limit`; stops at any other block. */
  loadTailAddData(datasetId: string, limit: number): Promise<TailAddData[]>;
  /** The chain's blocks from `fromSequence` to the head, in order. */
  loadBlocksFrom(datasetId: string, fromSequence: number): Promise<StoredBlock[]>;
  /** The slice starting at `offsetStart`, with its stored Arrow segment; undefined if none starts there. */
  loadSliceArrow(datasetId: string, offsetStart: bigint): Promise<StoredSliceArrow | undefined>;
  replaceTail(replacement: TailReplacement): Promise<void>;
  /**
   * The oldest messages of a push dataset's inbox, in arrival order: up to `limit`, and none after
   * those whose payloads and topics reach `maxBytes` (at least one).
   */
  loadInbox(datasetId: string, limit: number, maxBytes?: number): Promise<InboxRow[]>;
  /** Datasets with device messages waiting in their inbox. */
  datasetsWithInbox(): Promise<DatasetKey[]>;
  /** Datasets set to be streamed by the worker. */
  alwaysOnDatasets(): Promise<DatasetKey[]>;
}
