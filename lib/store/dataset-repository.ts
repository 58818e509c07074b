import pg from 'pg';
import type { HashedBlock } from '../chain/metadata-block';
import type { DeflateSegment } from '../data/deflate-segments';
import type { StoredRow } from '../ingest/ports';
import type { DataSchema } from '../odf/data-type';
import type { DatasetSnapshot } from '../odf';
import type { TopicSubscription } from '../ingest/fetch/mqtt-session';
import { SluiceError } from '../errors';
import type { DatasetKey, DatasetName } from '../datasets/dataset-key';
import { snapshotScopeOf, type SnapshotScope } from '../datasets/snapshot-scope';
import type { PrismaClient } from './prisma';
import { sliceRows, sliceRowsInRange } from './slice-rows';
import { inTransaction } from './pg-transaction';
import { isUniqueViolation } from './unique-violation';

/** Dataset registry reads and writes that are not part of a pull. */
export interface DatasetSummary {
  id: string;
  key: DatasetKey;
  name: string;
  /** The workspace's slug (for display and links). */
  workspace: string;
  headHash: string;
  headSequence: number;
  rows: bigint;
  watermark: Date | null;
  snapshot: DatasetSnapshot;
  /** The committed data schema; null before the first data. */
  dataSchema: DataSchema | null;
  snapshotScope: SnapshotScope;
  /** The filters the broker session held after the last pull, with the QoS the broker granted. */
  sessionTopics: TopicSubscription[] | null;
  lastPull: { startedAt: Date; endedAt: Date | null; status: string; error: string | null } | null;
}

export interface BlockRecord {
  sequenceNumber: number;
  hash: string;
  prevHash: string | null;
  systemTime: Date;
  event: { kind: string } & Record<string, unknown>;
}

/** A dataset's chain read as of one instant (DatasetRepository.chainSnapshot). */
export interface ChainSnapshot {
  blocks: BlockRecord[];
  headHash: string;
  nextOffset: bigint;
  dataSchema: DataSchema | null;
  /** In offset order, without their Arrow encodings. */
  slices: { offsetStart: bigint; offsetEnd: bigint; hash: string; size: number }[];
  /** Every committed row, one batch per slice, in offset order (read once, inside the snapshot). */
  rows(): AsyncIterable<StoredRow[]>;
}

export interface DatasetRecord {
  id: string;
  num: number;
  key: DatasetKey;
  name: string;
  /** The workspace's slug (for display and links). */
  workspace: string;
  workspaceId: string;
  mqttClientId: string;
  snapshot: DatasetSnapshot;
  dataSchema: DataSchema | null;
  inferredReadSchema: DataSchema | null;
  headHash: string;
  headSequence: number;
  rows: bigint;
  watermark: Date | null;
  previewWsUrl: string | null;
  snapshotScope: SnapshotScope;
  /** Streamed by the worker (lib/ingest/always-on-runner.ts). */
  alwaysOn: boolean;
  /** The filters the broker session held after the last pull, with the QoS the broker granted. */
  sessionTopics: TopicSubscription[] | null;
  createdAt: Date;
}

function blockRow(datasetId: string, b: HashedBlock) {
  return {
    datasetId,
    sequenceNumber: b.block.sequenceNumber,
    hash: b.hash,
    prevHash: b.block.prevBlockHash ?? null,
    systemTime: new Date(b.block.systemTime),
    event: b.block.event as object,
  };
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** Rows keyed by the dataset's number have no foreign key (hot-path tables): deleted explicitly. */
async function deleteDataset(tx: Tx, d: { id: string; num: number }): Promise<void> {
  await tx.$executeRaw`DELETE FROM key_state WHERE dataset_num = ${d.num}`;
  await tx.$executeRaw`DELETE FROM seen_key_group WHERE dataset_num = ${d.num}`;
  await tx.$executeRaw`DELETE FROM seen_key_bucket WHERE dataset_num = ${d.num}`;
  await tx.$executeRaw`DELETE FROM staged_batch WHERE dataset_num = ${d.num}`;
  await tx.$executeRaw`DELETE FROM qos2_receipt WHERE dataset_id = ${d.id}`;
  await tx.dataset.delete({ where: { id: d.id } });
}

export class DatasetRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
  ) {}

  /**
   * Creates a dataset, or replaces the one of the same key when `replace`. Without `replace`, an
   * existing dataset of that key gives DATASET_EXISTS (also when another writer created it between
   * the caller's check and this insert).
   */
  async create(args: { id: string; key: DatasetKey; snapshot: DatasetSnapshot; blocks: HashedBlock[]; mqttClientId: string; replace: boolean; snapshotScope?: SnapshotScope }): Promise<void> {
    const last = args.blocks.at(-1)!;
    const workspaceId = args.key.workspaceId;
    try {
      await this.prisma.$transaction(async (tx) => {
        // A replaced dataset keeps its broker session (same client id), so what the session is
        // subscribed to carries over: the next pull then unsubscribes filters the manifest dropped.
        // So does its snapshot scope (how that session's messages are read), unless one is given.
        let sessionTopics: object | undefined;
        let snapshotScope = args.snapshotScope;
        if (args.replace) {
          const old = await tx.dataset.findUnique({ where: { workspaceId_name: { workspaceId, name: args.key.name } }, select: { id: true, num: true, sessionTopics: true, snapshotScope: true } });
          if (old) {
            sessionTopics = (old.sessionTopics as object | null) ?? undefined;
            snapshotScope ??= snapshotScopeOf(old.snapshotScope);
            await deleteDataset(tx, old);
          }
        }
        await tx.dataset.create({
          data: {
            id: args.id,
            name: args.key.name,
            workspaceId,
            manifest: args.snapshot as unknown as object,
            headHash: last.hash,
            headSequence: last.block.sequenceNumber,
            mqttClientId: args.mqttClientId,
            sessionTopics,
            snapshotScope,
          },
        });
        await tx.metadataBlock.createMany({ data: args.blocks.map((b) => blockRow(args.id, b)) });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new SluiceError('DATASET_EXISTS', `dataset "${args.key.name}" already exists (use --replace to replace it)`);
      throw err;
    }
  }

  /** A dataset by its key: only ever within the workspace the key names. */
  async find(key: DatasetKey): Promise<DatasetRecord | undefined> {
    const d = await this.prisma.dataset.findUnique({ where: { workspaceId_name: { workspaceId: key.workspaceId, name: key.name } }, include: { workspace: { select: { slug: true } } } });
    return d
      ? {
          id: d.id,
          num: d.num,
          key: { workspaceId: d.workspaceId, name: d.name as DatasetName },
          name: d.name,
          workspace: d.workspace.slug,
          workspaceId: d.workspaceId,
          mqttClientId: d.mqttClientId,
          snapshot: d.manifest as unknown as DatasetSnapshot,
          dataSchema: d.dataSchema as unknown as DataSchema | null,
          inferredReadSchema: d.inferredReadSchema as unknown as DataSchema | null,
          headHash: d.headHash,
          headSequence: d.headSequence,
          rows: d.nextOffset,
          watermark: d.watermark,
          previewWsUrl: d.previewWsUrl,
          snapshotScope: snapshotScopeOf(d.snapshotScope),
          alwaysOn: d.alwaysOn,
          sessionTopics: d.sessionTopics as unknown as TopicSubscription[] | null,
          createdAt: d.createdAt,
        }
      : undefined;
  }

  /**
   * Appends manifest events to the chain and records the new manifest, by compare-and-swap on the
   * head: a pull that committed in between makes this fail with HEAD_MOVED, never fork the chain.
   */
  async appendManifestBlocks(args: { id: string; expectedHeadHash: string; snapshot: DatasetSnapshot; blocks: HashedBlock[] }): Promise<void> {
    const last = args.blocks.at(-1);
    if (!last) return;
    await this.prisma.$transaction(async (tx) => {
      const moved = await tx.dataset.updateMany({
        where: { id: args.id, headHash: args.expectedHeadHash },
        data: { headHash: last.hash, headSequence: last.block.sequenceNumber, manifest: args.snapshot as unknown as object },
      });
      if (moved.count !== 1) throw new SluiceError('HEAD_MOVED', 'the dataset changed while it was being edited (a pull committed); reload and save again');
      await tx.metadataBlock.createMany({ data: args.blocks.map((b) => blockRow(args.id, b)) });
    });
  }

  /**
   * Deletes a dataset with its chain, data, state, pulls, quarantine, secrets and schedule. Refused
   * while a pull holds the dataset's lease.
   */
  async delete(id: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const d = await tx.dataset.findUnique({ where: { id }, select: { id: true, num: true, leasePullId: true, leaseExpiresAt: true } });
      if (!d) return;
      if (d.leasePullId && d.leaseExpiresAt && d.leaseExpiresAt > new Date()) {
        throw new SluiceError('PULL_ALREADY_RUNNING', 'a pull of this dataset is running; delete it when the pull has ended');
      }
      await deleteDataset(tx, d);
    });
  }

  async setPreviewWsUrl(id: string, url: string | null): Promise<void> {
    await this.prisma.dataset.update({ where: { id }, data: { previewWsUrl: url } });
  }

  async setAlwaysOn(id: string, on: boolean): Promise<void> {
    await this.prisma.dataset.update({ where: { id }, data: { alwaysOn: on } });
  }

  async setSnapshotScope(id: string, scope: SnapshotScope): Promise<void> {
    await this.prisma.dataset.update({ where: { id }, data: { snapshotScope: scope } });
  }

  async countPendingQuarantine(datasetId: string): Promise<number> {
    return this.prisma.quarantinedMessage.count({ where: { datasetId, discardedAt: null } });
  }

  /** When the newest committed slice was committed (null before any data). */
  async lastCommitAt(datasetId: string): Promise<Date | null> {
    const s = await this.prisma.dataSlice.findFirst({ where: { datasetId }, orderBy: { offsetStart: 'desc' }, select: { systemTime: true } });
    return s?.systemTime ?? null;
  }

  /**
   * The pull holding the dataset's lease while the lease is alive (its expiry ahead of the
   * database's clock), or null: a pull record still marked running after its process died is not.
   */
  async leaseHolder(datasetId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ lease_pull_id: string | null }>('SELECT lease_pull_id FROM dataset WHERE id = $1 AND lease_expires_at > now()', [datasetId]);
    return rows[0]?.lease_pull_id ?? null;
  }

  async countSlices(datasetId: string): Promise<number> {
    return this.prisma.dataSlice.count({ where: { datasetId } });
  }

  /** Rows with offsets in [from, to), in offset order, decoded from the slices holding them. */
  rowsInRange(datasetNum: number, from: bigint, to: bigint): Promise<StoredRow[]> {
    return sliceRowsInRange(this.pool, datasetNum, from, to);
  }

  /** Datasets of one workspace (by id), or of all workspaces. */
  /**
   * One SQL statement on the pool rather than a Prisma query: `sluice list` is answered by a fresh
   * process, and Prisma's first query (loading and compiling its query compiler) would cost it
   * about a second, more than everything else together.
   */
  async list(workspaceId?: string): Promise<DatasetSummary[]> {
    const { rows } = await this.pool.query<{
      id: string;
      workspace_id: string;
      name: string;
      slug: string;
      head_hash: string;
      head_sequence: number;
      next_offset: string;
      watermark: Date | null;
      manifest: DatasetSnapshot;
      data_schema: DataSchema | null;
      snapshot_scope: string;
      session_topics: TopicSubscription[] | null;
      started_at: Date | null;
      ended_at: Date | null;
      status: string | null;
      error: string | null;
    }>(
      `SELECT d.id, d.workspace_id, d.name, w.slug, d.head_hash, d.head_sequence, d.next_offset::text AS next_offset, d.watermark, d.manifest, d.data_schema, d.snapshot_scope, d.session_topics,
              p.started_at, p.ended_at, p.status, p.error
         FROM dataset d
         JOIN workspace w ON w.id = d.workspace_id
         LEFT JOIN LATERAL (SELECT started_at, ended_at, status, error FROM pull WHERE dataset_id = d.id ORDER BY started_at DESC LIMIT 1) p ON true
        WHERE $1::text IS NULL OR d.workspace_id = $1
        ORDER BY w.slug, d.name`,
      [workspaceId ?? null],
    );
    return rows.map((d) => ({
      id: d.id,
      key: { workspaceId: d.workspace_id, name: d.name as DatasetName },
      name: d.name,
      workspace: d.slug,
      headHash: d.head_hash,
      headSequence: d.head_sequence,
      rows: BigInt(d.next_offset),
      watermark: d.watermark,
      snapshot: d.manifest,
      dataSchema: d.data_schema,
      snapshotScope: snapshotScopeOf(d.snapshot_scope),
      sessionTopics: d.session_topics,
      lastPull: d.started_at ? { startedAt: d.started_at, endedAt: d.ended_at, status: d.status!, error: d.error } : null,
    }));
  }

  async blocks(datasetId: string): Promise<BlockRecord[]> {
    const rows = await this.prisma.metadataBlock.findMany({ where: { datasetId }, orderBy: { sequenceNumber: 'asc' } });
    return rows.map((b) => ({ sequenceNumber: b.sequenceNumber, hash: b.hash, prevHash: b.prevHash, systemTime: b.systemTime, event: b.event as BlockRecord['event'] }));
  }

  /**
   * A dataset's chain as of one instant, for `verify`: its blocks, head, data schema and slices,
   * and its rows (one batch per slice, in offset order), all read in one REPEATABLE READ, READ
   * ONLY transaction that `read` runs inside. A streaming run commits and compacts while verify
   * reads; in separate statements it saw a slice without its block, or a head past the blocks it
   * had read, and reported a sound dataset as damaged. Postgres's snapshot blocks no writer.
   */
  async chainSnapshot<T>(datasetId: string, datasetNum: number, read: (chain: ChainSnapshot) => Promise<T>): Promise<T> {
    return inTransaction(
      this.pool,
      async (client) => {
        const blocks = await client.query<{ sequence_number: number; hash: string; prev_hash: string | null; system_time: Date; event: BlockRecord['event'] }>(
          'SELECT sequence_number, hash, prev_hash, system_time, event FROM metadata_block WHERE dataset_id = $1 ORDER BY sequence_number',
          [datasetId],
        );
        const head = await client.query<{ head_hash: string; next_offset: string; data_schema: DataSchema | null }>(
          'SELECT head_hash, next_offset::text AS next_offset, data_schema FROM dataset WHERE id = $1',
          [datasetId],
        );
        const d = head.rows[0];
        if (!d) throw new SluiceError('DATASET_NOT_FOUND', 'the dataset was removed while it was read');
        // Ordered by the column, not by its text (an alias of the same name would sort "100" before "20").
        const slices = await client.query<{ start_text: string; end_text: string; hash: string; size: number }>(
          'SELECT offset_start::text AS start_text, offset_end::text AS end_text, hash, size FROM data_slice WHERE dataset_id = $1 ORDER BY offset_start',
          [datasetId],
        );
        return read({
          blocks: blocks.rows.map((b) => ({ sequenceNumber: b.sequence_number, hash: b.hash, prevHash: b.prev_hash, systemTime: b.system_time, event: b.event })),
          headHash: d.head_hash,
          nextOffset: BigInt(d.next_offset),
          dataSchema: d.data_schema,
          slices: slices.rows.map((x) => ({ offsetStart: BigInt(x.start_text), offsetEnd: BigInt(x.end_text), hash: x.hash, size: x.size })),
          rows: () => sliceRows(client, datasetNum),
        });
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  /** The dataset's slices in offset order (those starting after `after`, if given), without their Arrow encodings. */
  async slices(datasetId: string, after?: bigint) {
    return this.prisma.dataSlice.findMany({
      // Slices holding rows past `after`: after a compaction (lib/ingest/compact-tail.ts) the first may start before it.
      where: { datasetId, ...(after === undefined ? {} : { offsetEnd: { gt: after } }) },
      orderBy: { offsetStart: 'asc' },
      select: { offsetStart: true, offsetEnd: true, blockSequence: true, hash: true, size: true, systemTime: true },
    });
  }

  /** Stores a slice's Arrow segment encoded later than its commit (older slices, or a new layout). */
  async saveSliceArrow(datasetId: string, offsetStart: bigint, segment: DeflateSegment, schemaKey: string): Promise<void> {
    await this.pool.query('UPDATE data_slice SET arrow = $3, arrow_adler32 = $4, arrow_size = $5, arrow_schema = $6 WHERE dataset_id = $1 AND offset_start = $2', [
      datasetId,
      offsetStart.toString(),
      Buffer.from(segment.deflated),
      segment.adler32,
      segment.size,
      schemaKey,
    ]);
  }

  /** Stored Arrow segments of the slices lying within offsets [from, to], in offset order. */
  async sliceArrows(datasetId: string, from: bigint, to: bigint): Promise<{ offsetStart: bigint; offsetEnd: bigint; segment: DeflateSegment; schemaKey: string }[]> {
    const r = await this.pool.query<{ offset_start: string; offset_end: string; arrow: Buffer; arrow_adler32: string; arrow_size: number; arrow_schema: string }>(
      `SELECT offset_start, offset_end, arrow, arrow_adler32, arrow_size, arrow_schema FROM data_slice
       WHERE dataset_id = $1 AND offset_end >= $2 AND offset_end <= $3 ORDER BY offset_start`,
      [datasetId, from.toString(), to.toString()],
    );
    return r.rows.map((s) => ({
      offsetStart: BigInt(s.offset_start),
      offsetEnd: BigInt(s.offset_end),
      segment: { deflated: s.arrow, adler32: Number(s.arrow_adler32), size: s.arrow_size },
      schemaKey: s.arrow_schema,
    }));
  }


  async pulls(datasetId: string, take = 50) {
    return this.prisma.pull.findMany({ where: { datasetId }, orderBy: { startedAt: 'desc' }, take });
  }

  async quarantine(datasetId: string, opts: { includeDiscarded?: boolean } = {}) {
    return this.prisma.quarantinedMessage.findMany({
      where: { datasetId, ...(opts.includeDiscarded ? {} : { discardedAt: null }) },
      orderBy: { id: 'asc' },
    });
  }

  async discardQuarantine(datasetId: string, ids: bigint[] | 'all'): Promise<number> {
    const r = await this.prisma.quarantinedMessage.updateMany({
      where: { datasetId, discardedAt: null, ...(ids === 'all' ? {} : { id: { in: ids } }) },
      data: { discardedAt: new Date() },
    });
    return r.count;
  }

  /** The last `n` rows in offset order. */
  async tail(datasetNum: number, n: number): Promise<StoredRow[]> {
    const d = await this.prisma.dataset.findUniqueOrThrow({ where: { num: datasetNum }, select: { nextOffset: true } });
    const from = d.nextOffset - BigInt(n);
    return sliceRowsInRange(this.pool, datasetNum, from > 0n ? from : 0n, d.nextOffset);
  }
}
