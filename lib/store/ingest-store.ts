import pg from 'pg';
import { SluiceError } from '../errors';
import { datasetKey, type DatasetKey } from '../datasets/dataset-key';
import { snapshotScopeOf } from '../datasets/snapshot-scope';
import type { JsonValue } from '../data/row';
import { RESERVED_FIELD_NAME, type DataSchema } from '../odf/data-type';
import type { DatasetSnapshot } from '../odf';
import type { TopicSubscription } from '../ingest/fetch/mqtt-session';
import type { CommittedSlice, DatasetHead, InboxRow, IngestStore, JsonRow, PullConnection, PullLease, PullOutcome, SeenKeyGroup, SliceCommit, StagedBatch, StagedRow, StoredBlock, StoredRow, StoredSliceArrow, TailAddData, TailReplacement } from '../ingest/ports';
import type { Qos2Receipts } from '../mqtt/qos2-receipts';
import type { HashedBlock } from '../chain/metadata-block';
import type { PrismaClient } from './prisma';
import { inTransaction } from './pg-transaction';
import { HeldLease, instant, LEASE_OWNER, LEASE_TTL_MS, ownerIsDeadLocalProcess, ownerName } from './pull-lease';
import type { SecretRepository } from './secret-repository';
import type { StoredSecrets } from '../secrets/secret-release';
import { appendSeenKeys, findSeenKeyGroups, replaceSeenKeys } from './seen-key-buckets';
import { sliceRows } from './slice-rows';

/** A dataset's row as getDatasetHead reads it (pg: bigint as text, jsonb parsed). */
interface HeadRow {
  id: string;
  workspace_id: string;
  num: number;
  name: string;
  manifest: DatasetSnapshot;
  head_hash: string;
  head_sequence: number;
  next_offset: string;
  watermark: Date | null;
  data_schema: DataSchema | null;
  inferred_read_schema: DataSchema | null;
  state_signature: string | null;
  mqtt_client_id: string;
  session_topics: TopicSubscription[] | null;
  session_topics_confirmed: boolean;
  snapshot_scope: string;
  always_on: boolean;
}


/**
 * IngestStore over Postgres, on the shared pg pool: a pull's statements, from reading the head to
 * committing, are plain SQL (Prisma's query compiler spent ~400 ms of CPU on the first pull of
 * every `sluice pull` compiling them). A slice's rows are stored once, as its compressed Arrow
 * segment (slice-rows.ts reads them back); staged rows and key state go through `unnest`, one
 * statement per table and commit.
 */
export class PostgresIngestStore implements IngestStore {
  /** The leases this process holds, by dataset: a lease-locked commit that lands renews its lease. */
  private readonly leases = new Map<string, HeldLease>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
    private readonly secrets: SecretRepository,
  ) {}

  async getDatasetHead(dataset: DatasetKey): Promise<DatasetHead | undefined> {
    const { rows } = await this.pool.query<HeadRow>(
      `SELECT id, workspace_id, num, name, manifest, head_hash, head_sequence, next_offset, watermark, data_schema, inferred_read_schema,
              state_signature, mqtt_client_id, session_topics, session_topics_confirmed, snapshot_scope, always_on
       FROM dataset WHERE workspace_id = $1 AND name = $2`,
      [dataset.workspaceId, dataset.name],
    );
    const d = rows[0];
    if (!d) return undefined;
    return {
      id: d.id,
      workspaceId: d.workspace_id,
      num: d.num,
      name: d.name,
      snapshot: d.manifest,
      headHash: d.head_hash,
      headSequence: d.head_sequence,
      nextOffset: BigInt(d.next_offset),
      watermark: d.watermark,
      dataSchema: d.data_schema,
      // Inferred before "__proto__" was refused, a schema could hold it: no row can (data-type.ts).
      inferredReadSchema: d.inferred_read_schema && { ...d.inferred_read_schema, fields: d.inferred_read_schema.fields.filter((f) => f.name !== RESERVED_FIELD_NAME) },
      stateSignature: d.state_signature,
      mqttClientId: d.mqtt_client_id,
      sessionTopics: d.session_topics,
      sessionTopicsConfirmed: d.session_topics_confirmed,
      snapshotScope: snapshotScopeOf(d.snapshot_scope),
      alwaysOn: d.always_on,
    };
  }

  async acquirePullLease(datasetId: string, pullId: string): Promise<PullLease> {
    const ttl = LEASE_TTL_MS / 1000;
    const sentAt = instant();
    const taken = await this.pool.query(
      `UPDATE dataset SET lease_pull_id = $2, lease_owner = $3, lease_expires_at = now() + make_interval(secs => $4)
       WHERE id = $1 AND (lease_pull_id IS NULL OR lease_pull_id = $2 OR lease_expires_at < now())`,
      [datasetId, pullId, LEASE_OWNER, ttl],
    );
    if (taken.rowCount !== 1) {
      const { rows } = await this.pool.query<{ lease_owner: string | null; lease_pull_id: string | null }>('SELECT lease_owner, lease_pull_id FROM dataset WHERE id = $1', [datasetId]);
      const holder = rows[0];
      if (!holder?.lease_owner || !ownerIsDeadLocalProcess(holder.lease_owner)) {
        throw new SluiceError('PULL_ALREADY_RUNNING', `a pull of this dataset is already running (${holder?.lease_owner ? ownerName(holder.lease_owner) : 'unknown owner'}); try again when it ends`);
      }
      // The holder was killed on this machine: its lease is void, take it over.
      const { rowCount } = await this.pool.query(
        'UPDATE dataset SET lease_pull_id = $2, lease_owner = $3, lease_expires_at = now() + make_interval(secs => $4) WHERE id = $1 AND lease_pull_id = $5',
        [datasetId, pullId, LEASE_OWNER, ttl, holder.lease_pull_id],
      );
      if (rowCount !== 1) throw new SluiceError('PULL_ALREADY_RUNNING', 'another pull of this dataset started just now');
    }
    const lease: HeldLease = new HeldLease(this.pool, datasetId, pullId, sentAt, () => {
      if (this.leases.get(datasetId) === lease) this.leases.delete(datasetId);
    });
    this.leases.set(datasetId, lease);
    return lease;
  }

  /**
   * Records a pull that holds the dataset's lease. Any other pull still marked running lost its
   * process (killed or crashed): it is closed as interrupted, so its record tells what happened.
   */
  async startPull(datasetId: string, pullId: string): Promise<{ interruptedPull: boolean; previousCapped: boolean }> {
    let started = { interruptedPull: false, previousCapped: false };
    await inTransaction(this.pool, async (db) => {
      const { rows } = await db.query<{ has_more: boolean; messages_received: number; status: string; error_code: string | null }>(
        `SELECT has_more, messages_received, status, error_code FROM pull WHERE dataset_id = $1 AND status <> 'running' ORDER BY started_at DESC LIMIT 1`,
        [datasetId],
      );
      const interrupted = await db.query(`UPDATE pull SET status = 'failed', ended_at = now(), error_code = 'INTERRUPTED', error = $2 WHERE dataset_id = $1 AND status = 'running'`, [
        datasetId,
        'the pulling process ended before the pull finished; what it had not committed stayed with the broker, and rows it had staged are published by the next pull',
      ]);
      await db.query(`INSERT INTO pull (id, dataset_id, status) VALUES ($1, $2, 'running')`, [pullId, datasetId]);
      const previous = rows[0];
      started = {
        // Killed, or its connection lost mid-pull: either way what it had received was not acknowledged.
        // (A follow run stopped while it waited to reconnect ended well: its record keeps why it waited.)
        interruptedPull: (interrupted.rowCount ?? 0) > 0 || (previous?.status === 'failed' && previous.error_code === 'CONNECTION_LOST'),
        previousCapped: previous !== undefined && previous.has_more && previous.messages_received > 0,
      };
    });
    return started;
  }

  async finishPull(pullId: string, outcome: PullOutcome): Promise<void> {
    await this.pool.query(
      `UPDATE pull SET ended_at = now(), status = $2, has_more = $3, qos_downgrades = COALESCE($4::jsonb, qos_downgrades),
              error_code = COALESCE($5, error_code), error = COALESCE($6, error) WHERE id = $1`,
      [
        pullId,
        outcome.status,
        outcome.hasMore,
        // Left null (the column's default) when the broker granted every filter what was asked.
        outcome.qosDowngrades?.length ? JSON.stringify(outcome.qosDowngrades) : null,
        outcome.errorCode ?? null,
        outcome.error ?? null,
      ],
    );
  }

  async loadKeyState(datasetNum: number, keys: string[] | 'all'): Promise<Map<string, JsonRow | null>> {
    if (keys !== 'all' && keys.length === 0) return new Map();
    const { rows } =
      keys === 'all'
        ? await this.pool.query<{ key: string; row: JsonRow | null }>('SELECT key, row FROM key_state WHERE dataset_num = $1', [datasetNum])
        : await this.pool.query<{ key: string; row: JsonRow | null }>(
            // A join on the keys, not `key = ANY($2)`: with statistics not yet gathered after a
            // large commit, Postgres read the latter as "every row of the dataset, filtered", a
            // scan that grew with the history (7× slower at 1M rows) instead of one lookup per key.
            'SELECT s.key, s.row FROM unnest($2::text[]) AS k(key) JOIN key_state s ON s.dataset_num = $1 AND s.key = k.key',
            [datasetNum, keys],
          );
    return new Map(rows.map((r) => [r.key, r.row]));
  }

  findSeenKeyGroups(datasetNum: number, positions: bigint[]): Promise<SeenKeyGroup[]> {
    return findSeenKeyGroups(this.pool, datasetNum, positions);
  }

  async replaceKeyState(dataset: { id: string; num: number }, signature: string, state: Map<string, JsonRow | null>, seen: SeenKeyGroup[] = []): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      await db.query('DELETE FROM key_state WHERE dataset_num = $1', [dataset.num]);
      await replaceSeenKeys(db, dataset.num, seen);
      await upsertKeyState(db, dataset.num, state);
      await db.query('UPDATE dataset SET state_signature = $1 WHERE id = $2', [signature, dataset.id]);
    });
  }

  /** Committed rows decoded from their slices, one batch per slice (`batchSize` is not used: slices are the batches). */
  readRows(datasetNum: number, opts: { fromOffset?: bigint; toOffset?: bigint; batchSize?: number } = {}): AsyncIterable<StoredRow[]> {
    return sliceRows(this.pool, datasetNum, opts.fromOffset ?? 0n, opts.toOffset);
  }

  async loadStagedRows(datasetNum: number): Promise<StagedBatch[]> {
    const { rows } = await this.pool.query<{ rows: string; data_schema: string | null }>('SELECT rows, data_schema FROM staged_batch WHERE dataset_num = $1 ORDER BY position', [datasetNum]);
    return rows.map((b) => ({ dataSchema: b.data_schema === null ? null : (JSON.parse(b.data_schema) as DataSchema), rows: parseStagedBatch(b.rows) }));
  }

  async loadQos2Receipts(datasetId: string): Promise<Qos2Receipts> {
    const { rows } = await this.pool.query<{ packet_id: number; digest: string | null }>('SELECT packet_id, digest FROM qos2_receipt WHERE dataset_id = $1', [datasetId]);
    return new Map(rows.map((r) => [r.packet_id, r.digest]));
  }

  async clearQos2Receipts(datasetId: string, pullId: string): Promise<void> {
    const { rows } = await this.pool.query<{ held: boolean }>(
      `WITH lease AS (SELECT id FROM dataset WHERE id = $1 AND lease_pull_id = $2 FOR SHARE),
            gone AS (DELETE FROM qos2_receipt r USING lease WHERE r.dataset_id = lease.id)
       SELECT EXISTS (SELECT 1 FROM lease) AS held`,
      [datasetId, pullId],
    );
    if (!rows[0]?.held) throw leaseNotHeld();
  }

  loadSecrets(head: { id: string; workspaceId: string }): Promise<StoredSecrets> {
    return this.secrets.resolve(head.workspaceId, head.id);
  }

  saveSessionTopics(datasetId: string, pullId: string, topics: TopicSubscription[] | null): Promise<void> {
    return this.recordSessionTopics(datasetId, pullId, topics, true);
  }

  markSessionTopicsUnconfirmed(datasetId: string, pullId: string, topics: TopicSubscription[]): Promise<void> {
    return this.recordSessionTopics(datasetId, pullId, topics, false);
  }

  private async recordSessionTopics(datasetId: string, pullId: string, topics: TopicSubscription[] | null, confirmed: boolean): Promise<void> {
    const { rowCount } = await this.pool.query('UPDATE dataset SET session_topics = $3::jsonb, session_topics_confirmed = $4 WHERE id = $1 AND lease_pull_id = $2', [
      datasetId,
      pullId,
      topics === null ? null : JSON.stringify(topics),
      confirmed,
    ]);
    if (rowCount !== 1) throw leaseNotHeld();
  }

  async setPullConnection(pullId: string, connection: PullConnection): Promise<void> {
    const waitingOn = connection.connectedAt ? undefined : connection.waitingOn;
    // Only while the run is recorded running: a late write must not rewrite how a pull ended (or
    // the INTERRUPTED a next pull recorded for a run whose lease had lapsed).
    await this.pool.query(`UPDATE pull SET connected_at = $2, error_code = $3, error = $4 WHERE id = $1 AND status = 'running'`, [
      pullId,
      connection.connectedAt,
      waitingOn?.code ?? null,
      waitingOn?.message ?? null,
    ]);
  }

  /**
   * The hot path: one transaction over a pooled pg connection with plain SQL. Prisma's interactive
   * transactions cost ~20 ms per statement here, more than the statements themselves.
   */
  async datasetsWithInbox(): Promise<DatasetKey[]> {
    const r = await this.pool.query<{ workspace_id: string; name: string }>(
      'SELECT d.workspace_id, d.name FROM dataset d WHERE EXISTS (SELECT 1 FROM device_inbox i WHERE i.dataset_id = d.id) ORDER BY d.num',
    );
    return r.rows.map((d) => datasetKey(d.workspace_id, d.name));
  }

  async loadInbox(datasetId: string, limit: number, maxBytes = Number.MAX_SAFE_INTEGER): Promise<InboxRow[]> {
    const r = await this.pool.query<{ id: string; topic: string; payload: Buffer; qos: number; received_at: Date }>(
      // `ORDER BY i.id`, the column: a bare `id` names the id::text output (text order: "10" before "9").
      // A message is taken while the ones before it hold less than maxBytes (payload and topic).
      `SELECT m.id::text AS id, m.topic, m.payload, m.qos, m.received_at FROM (
         SELECT i.id, i.topic, i.payload, i.qos, i.received_at,
                sum(octet_length(i.payload) + octet_length(i.topic)) OVER (ORDER BY i.id) - (octet_length(i.payload) + octet_length(i.topic)) AS before
         FROM device_inbox i WHERE i.dataset_id = $1 ORDER BY i.id LIMIT $2) m
       WHERE m.before < $3 ORDER BY m.id`,
      [datasetId, limit, maxBytes],
    );
    return r.rows.map((m) => ({ id: BigInt(m.id), topic: m.topic, payload: m.payload, qos: m.qos, receivedAt: m.received_at }));
  }

  async commit(...commits: SliceCommit[]): Promise<void> {
    const first = commits[0];
    if (!first) return;
    if (commits.some((c) => c.datasetId !== first.datasetId || c.pull.id !== first.pull.id)) throw new Error('commits applied together must be one pull\'s');
    const sentAt = instant();
    await inTransaction(this.pool, async (db) => {
      await lockLease(db, first.datasetId, first.pull.id);
      for (const c of commits) await applyCommit(db, c);
    });
    this.leases.get(first.datasetId)?.renewed(sentAt, first.pull.id);
  }

  async alwaysOnDatasets(): Promise<DatasetKey[]> {
    const rows = await this.prisma.dataset.findMany({ where: { alwaysOn: true }, select: { workspaceId: true, name: true }, orderBy: { createdAt: 'asc' } });
    return rows.map((r) => datasetKey(r.workspaceId, r.name));
  }

  async loadTailAddData(datasetId: string, limit: number): Promise<TailAddData[]> {
    const { rows } = await this.pool.query<{ sequence_number: number; hash: string; prev_hash: string; system_time: Date; event: TailAddData['event']; offset_start: string | null; offset_end: string | null }>(
      `SELECT b.sequence_number, b.hash, b.prev_hash, b.system_time, b.event, s.offset_start, s.offset_end
       FROM metadata_block b LEFT JOIN data_slice s ON s.dataset_id = b.dataset_id AND s.block_sequence = b.sequence_number
       WHERE b.dataset_id = $1 ORDER BY b.sequence_number DESC LIMIT $2`,
      [datasetId, limit],
    );
    const tail: TailAddData[] = [];
    for (const r of rows) {
      if (r.event.kind !== 'AddData' || r.offset_start === null || r.offset_end === null || r.prev_hash === null) break;
      tail.push({ sequenceNumber: r.sequence_number, hash: r.hash, prevHash: r.prev_hash, systemTime: r.system_time, event: r.event, offsetStart: BigInt(r.offset_start), offsetEnd: BigInt(r.offset_end) });
    }
    return tail;
  }

  async loadBlocksFrom(datasetId: string, fromSequence: number): Promise<StoredBlock[]> {
    const { rows } = await this.pool.query<{ sequence_number: number; hash: string; prev_hash: string | null; system_time: Date; event: StoredBlock['event'] }>(
      'SELECT sequence_number, hash, prev_hash, system_time, event FROM metadata_block WHERE dataset_id = $1 AND sequence_number >= $2 ORDER BY sequence_number',
      [datasetId, fromSequence],
    );
    return rows.map((r) => ({ sequenceNumber: r.sequence_number, hash: r.hash, prevHash: r.prev_hash, systemTime: r.system_time, event: r.event }));
  }

  async loadSliceArrow(datasetId: string, offsetStart: bigint): Promise<StoredSliceArrow | undefined> {
    const { rows } = await this.pool.query<{ offset_end: string; hash: string; size: number; arrow: Buffer; arrow_adler32: string; arrow_size: number; arrow_schema: string }>(
      'SELECT offset_end, hash, size, arrow, arrow_adler32, arrow_size, arrow_schema FROM data_slice WHERE dataset_id = $1 AND offset_start = $2',
      [datasetId, offsetStart.toString()],
    );
    const s = rows[0];
    if (!s) return undefined;
    return {
      offsetStart,
      offsetEnd: BigInt(s.offset_end),
      hash: s.hash,
      size: s.size,
      arrow: { segment: { deflated: s.arrow, adler32: Number(s.arrow_adler32), size: s.arrow_size }, schemaKey: s.arrow_schema },
    };
  }

  /** A few statements whatever the run's length: the merged slice's bytes were joined before (compact-tail.ts). */
  async replaceTail(t: TailReplacement): Promise<void> {
    const [merged, last] = [t.blocks[0], t.blocks.at(-1)];
    if (!merged || !last) throw new Error('a tail replacement needs the merged block');
    const sentAt = instant();
    await inTransaction(this.pool, async (db) => {
      await lockLease(db, t.datasetId, t.pullId);
      const moved = await db.query('UPDATE dataset SET head_hash = $1, head_sequence = $2 WHERE id = $3 AND head_hash = $4', [last.hash, last.block.sequenceNumber, t.datasetId, t.expectedHeadHash]);
      if (moved.rowCount !== 1) throw new SluiceError('HEAD_MOVED', 'the dataset head moved during the compaction (a concurrent writer); nothing was changed');
      const gone = await db.query('DELETE FROM data_slice WHERE dataset_id = $1 AND offset_start >= $2 AND offset_start <= $3', [t.datasetId, t.slice.offsetStart.toString(), t.slice.offsetEnd.toString()]);
      if (gone.rowCount !== t.replacedSlices) throw new Error(`the compaction expected to replace ${t.replacedSlices} slices but found ${gone.rowCount}; nothing was changed`);
      await db.query('DELETE FROM metadata_block WHERE dataset_id = $1 AND sequence_number >= $2', [t.datasetId, merged.block.sequenceNumber]);
      await insertBlocks(db, t.datasetId, t.blocks);
      await insertSlice(db, t.datasetId, t.slice, merged.block.sequenceNumber, t.slice.systemTime);
      // The slices after the run keep their blocks, which moved down by the blocks the run lost.
      if (t.replacedSlices > 1 && t.blocks.length > 1) {
        await db.query('UPDATE data_slice SET block_sequence = block_sequence - $3 WHERE dataset_id = $1 AND offset_start > $2', [t.datasetId, t.slice.offsetEnd.toString(), t.replacedSlices - 1]);
      }
    });
    this.leases.get(t.datasetId)?.renewed(sentAt, t.pullId);
  }
}

/** One commit's writes, inside the transaction that holds its lease (IngestStore.commit). */
async function applyCommit(db: pg.PoolClient, c: SliceCommit): Promise<void> {
  const last = c.blocks.at(-1);
  if (last) {
    const moved = await db.query(
      `UPDATE dataset SET head_hash = $1, head_sequence = $2, next_offset = $3, watermark = $4,
              data_schema = COALESCE($5::jsonb, data_schema), inferred_read_schema = COALESCE($8::jsonb, inferred_read_schema)
       WHERE id = $6 AND head_hash = $7`,
      [
        last.hash,
        last.block.sequenceNumber,
        c.nextOffset.toString(),
        c.watermark,
        c.dataSchema ? JSON.stringify(c.dataSchema) : null,
        c.datasetId,
        c.expectedHeadHash,
        c.inferredReadSchema ? JSON.stringify(c.inferredReadSchema) : null,
      ],
    );
    if (moved.rowCount !== 1) throw new SluiceError('HEAD_MOVED', 'the dataset head moved during the commit (a concurrent writer); nothing was committed');
    await insertBlocks(db, c.datasetId, c.blocks);
  }
  if (!last && c.inferredReadSchema) {
    await db.query('UPDATE dataset SET inferred_read_schema = $1::jsonb WHERE id = $2', [JSON.stringify(c.inferredReadSchema), c.datasetId]);
  }
  if (c.stage && c.stage.rows.length) {
    await db.query('INSERT INTO staged_batch (dataset_num, position, row_count, rows, data_schema) VALUES ($1, $2, $3, $4, $5)', [
      c.datasetNum,
      c.stage.position,
      c.stage.rows.length,
      stagedBatchText(c.stage.rows),
      JSON.stringify(c.stage.dataSchema),
    ]);
  }
  if (c.slice) {
    // The slice holds every staged row: a count that differs means the pull's idea of them is
    // wrong, and publishing would lose or repeat rows.
    const unstaged = await db.query<{ n: number }>(
      'WITH gone AS (DELETE FROM staged_batch WHERE dataset_num = $1 RETURNING row_count) SELECT coalesce(sum(row_count), 0)::int AS n FROM gone',
      [c.datasetNum],
    );
    if (unstaged.rows[0].n !== (c.unstage ?? 0)) {
      throw new Error(`the slice holds ${c.unstage ?? 0} staged rows but ${unstaged.rows[0].n} were staged; nothing was committed`);
    }
    await insertSlice(db, c.datasetId, c.slice, last!.block.sequenceNumber, c.systemTime);
  }
  if (c.keyState) {
    if (c.keyState.seen) await appendSeenKeys(db, c.datasetNum, c.keyState.seen);
    await upsertKeyState(db, c.datasetNum, c.keyState.upserts);
    if (c.keyState.deletes.length) {
      // One index lookup per key whatever the statistics say (see loadKeyState).
      await db.query('DELETE FROM key_state s USING unnest($2::text[]) AS k(key) WHERE s.dataset_num = $1 AND s.key = k.key', [c.datasetNum, c.keyState.deletes]);
    }
    if (c.keyState.signature !== undefined) await db.query('UPDATE dataset SET state_signature = $1 WHERE id = $2', [c.keyState.signature, c.datasetId]);
  }
  // Releases first: they end receipts of earlier messages, and a new message may reuse the id.
  if (c.qos2Receipts.remove.length) {
    await db.query('DELETE FROM qos2_receipt WHERE dataset_id = $1 AND packet_id = ANY($2::int[])', [c.datasetId, c.qos2Receipts.remove]);
  }
  if (c.qos2Receipts.add.length) {
    // A receipt under the same id is a stale one (a broker that lost its state reused the id): replaced.
    await db.query(
      `INSERT INTO qos2_receipt (dataset_id, packet_id, digest) SELECT $1, * FROM unnest($2::int[], $3::text[])
       ON CONFLICT (dataset_id, packet_id) DO UPDATE SET digest = EXCLUDED.digest`,
      [c.datasetId, c.qos2Receipts.add.map((r) => r.id), c.qos2Receipts.add.map((r) => r.digest)],
    );
  }
  for (const q of c.quarantine) {
    await db.query(
      `INSERT INTO quarantined_message (dataset_id, pull_id, topic, qos, retained, payload, reason, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [c.datasetId, c.pull.id, q.topic, q.qos, q.retained, q.payload, q.reason, q.receivedAt],
    );
  }
  if (c.inbox?.length) {
    const folded = await db.query('DELETE FROM device_inbox WHERE dataset_id = $1 AND id = ANY($2::bigint[])', [c.datasetId, c.inbox.map(String)]);
    if (folded.rowCount !== c.inbox.length) throw new Error(`${c.inbox.length - (folded.rowCount ?? 0)} inbox messages were folded elsewhere; nothing was committed`);
  }
  const a = c.pull.add;
  await db.query(
    `UPDATE pull SET messages_received = messages_received + $2, rows_committed = rows_committed + $3,
            quarantined = quarantined + $4, duplicates = duplicates + $5, slices = slices + $6 WHERE id = $1`,
    [c.pull.id, a.messagesReceived, a.rowsCommitted, a.quarantined, a.duplicates, a.slices],
  );
}

/**
 * A staged batch as one text value: a line per row, `[op, event time in epoch ms, data]` as JSON
 * (JSON.stringify never emits a raw newline). One value per batch spares Postgres a tuple, and a
 * JSONB parse, per row; the rows are read back only after a killed pull.
 */
function stagedBatchText(rows: StagedRow[]): string {
  let text = '';
  for (const r of rows) text += `[${r.op},${r.eventTime.getTime()},${JSON.stringify(r.data)}]\n`;
  return text;
}

function parseStagedBatch(text: string): StagedRow[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [op, eventMs, data] = JSON.parse(line) as [number, number, JsonValue[]];
      return { op, eventTime: new Date(eventMs), data };
    });
}


async function upsertKeyState(db: pg.ClientBase, datasetNum: number, state: Map<string, JsonRow | null>): Promise<void> {
  if (state.size === 0) return;
  const keys = [...state.keys()];
  const rows = [...state.values()];
  await db.query(
    `INSERT INTO key_state (dataset_num, key, row) SELECT $1, * FROM unnest($2::text[], $3::jsonb[])
     ON CONFLICT (dataset_num, key) DO UPDATE SET row = EXCLUDED.row`,
    [datasetNum, keys, rows.map((r) => (r === null ? null : JSON.stringify(r)))],
  );
}

const leaseNotHeld = () => new SluiceError('PULL_ALREADY_RUNNING', 'this pull lost its lease to another pull of the dataset; nothing was written');

/**
 * Holds the lease row's lock for the transaction, and renews the lease with it (HeldLease.renewed
 * once it commits): a pull that lost its lease writes nothing, and a long commit, whose lock makes
 * the heartbeat wait, does not let the lease run out under it.
 */
async function lockLease(db: pg.PoolClient, datasetId: string, pullId: string): Promise<void> {
  // clock_timestamp(), not now(): a long transaction's start would leave an expiry already past.
  const lease = await db.query('UPDATE dataset SET lease_expires_at = clock_timestamp() + make_interval(secs => $3) WHERE id = $1 AND lease_pull_id = $2', [datasetId, pullId, LEASE_TTL_MS / 1000]);
  if (lease.rowCount !== 1) throw new SluiceError('PULL_ALREADY_RUNNING', 'this pull lost its lease to another pull of the dataset; nothing was committed');
}

async function insertBlocks(db: pg.PoolClient, datasetId: string, blocks: HashedBlock[]): Promise<void> {
  await db.query(
    `INSERT INTO metadata_block (dataset_id, sequence_number, hash, prev_hash, system_time, event)
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[])`,
    [
      datasetId,
      blocks.map((b) => b.block.sequenceNumber),
      blocks.map((b) => b.hash),
      blocks.map((b) => b.block.prevBlockHash ?? null),
      blocks.map((b) => b.block.systemTime),
      blocks.map((b) => JSON.stringify(b.block.event)),
    ],
  );
}

async function insertSlice(db: pg.PoolClient, datasetId: string, s: Omit<CommittedSlice, 'rows'>, blockSequence: number, systemTime: Date): Promise<void> {
  await db.query(
    `INSERT INTO data_slice (dataset_id, offset_start, offset_end, block_sequence, hash, size, system_time, arrow, arrow_adler32, arrow_size, arrow_schema)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      ...[datasetId, s.offsetStart.toString(), s.offsetEnd.toString(), blockSequence, s.hash, s.size, systemTime],
      ...[Buffer.from(s.arrow.segment.deflated), s.arrow.segment.adler32, s.arrow.segment.size, s.arrow.schemaKey],
    ],
  );
}
