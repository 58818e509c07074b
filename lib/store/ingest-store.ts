import os from 'node:os';
import { SluiceError } from '../errors';
import type { DataSchema } from '../odf/data-type';
import type { DatasetSnapshot } from '../odf';
import type { TopicSubscription } from '../ingest/fetch/mqtt-session';
import type { DatasetHead, IngestStore, JsonRow, PullOutcome, SliceCommit, StoredRow } from '../ingest/ports';
import type { PrismaClient } from './prisma';

/** A lease lives this long without a heartbeat; heartbeats come at a third of it. */
const LEASE_TTL_MS = 15_000;
const OWNER = `${os.hostname()}:${process.pid}`;

/** IngestStore over Postgres. Bulk rows go through `unnest` so one statement writes a whole slice. */
export class PrismaIngestStore implements IngestStore {
  constructor(private readonly prisma: PrismaClient) {}

  async getDatasetHead(name: string): Promise<DatasetHead | undefined> {
    const d = await this.prisma.dataset.findUnique({ where: { name } });
    if (!d) return undefined;
    return {
      id: d.id,
      name: d.name,
      snapshot: d.manifest as unknown as DatasetSnapshot,
      headHash: d.headHash,
      headSequence: d.headSequence,
      nextOffset: d.nextOffset,
      watermark: d.watermark,
      dataSchema: (d.dataSchema as unknown as DataSchema | null) ?? null,
      stateSignature: d.stateSignature,
      mqttClientId: d.mqttClientId,
      sessionTopics: (d.sessionTopics as unknown as TopicSubscription[] | null) ?? null,
    };
  }

  async acquirePullLease(datasetId: string, pullId: string): Promise<{ release(): Promise<void> }> {
    const take = async (): Promise<boolean> => {
      const n = await this.prisma.$executeRaw`
        UPDATE dataset SET lease_pull_id = ${pullId}, lease_owner = ${OWNER},
               lease_expires_at = now() + ${`${LEASE_TTL_MS} milliseconds`}::interval
        WHERE id = ${datasetId} AND (lease_pull_id IS NULL OR lease_pull_id = ${pullId} OR lease_expires_at < now())`;
      return n === 1;
    };
    if (!(await take())) {
      const holder = await this.prisma.dataset.findUnique({ where: { id: datasetId }, select: { leaseOwner: true, leasePullId: true } });
      if (!holder?.leaseOwner || !ownerIsDeadLocalProcess(holder.leaseOwner)) {
        throw new SluiceError('PULL_ALREADY_RUNNING', `a pull of this dataset is already running (${holder?.leaseOwner ?? 'unknown owner'}); try again when it ends`);
      }
      // The holder was killed on this machine: its lease is void, take it over.
      const n = await this.prisma.$executeRaw`
        UPDATE dataset SET lease_pull_id = ${pullId}, lease_owner = ${OWNER},
               lease_expires_at = now() + ${`${LEASE_TTL_MS} milliseconds`}::interval
        WHERE id = ${datasetId} AND lease_pull_id = ${holder.leasePullId}`;
      if (n !== 1) throw new SluiceError('PULL_ALREADY_RUNNING', 'another pull of this dataset started just now');
    }
    const heartbeat = setInterval(() => void take().catch(() => undefined), LEASE_TTL_MS / 3);
    heartbeat.unref();
    return {
      release: async () => {
        clearInterval(heartbeat);
        await this.prisma.$executeRaw`
          UPDATE dataset SET lease_pull_id = NULL, lease_owner = NULL, lease_expires_at = NULL
          WHERE id = ${datasetId} AND lease_pull_id = ${pullId}`;
      },
    };
  }

  async startPull(datasetId: string, pullId: string): Promise<void> {
    await this.prisma.pull.create({ data: { id: pullId, datasetId, status: 'running' } });
  }

  async finishPull(pullId: string, outcome: PullOutcome): Promise<void> {
    await this.prisma.pull.update({
      where: { id: pullId },
      data: { endedAt: new Date(), status: outcome.status, hasMore: outcome.hasMore, errorCode: outcome.errorCode, error: outcome.error },
    });
  }

  async loadKeyState(datasetId: string, keys: string[] | 'all'): Promise<Map<string, JsonRow>> {
    const rows =
      keys === 'all'
        ? await this.prisma.keyState.findMany({ where: { datasetId }, select: { key: true, row: true } })
        : keys.length === 0
          ? []
          : await this.prisma.$queryRaw<{ key: string; row: JsonRow }[]>`
              SELECT key, row FROM key_state WHERE dataset_id = ${datasetId} AND key = ANY(${keys}::text[])`;
    return new Map(rows.map((r) => [r.key, r.row as JsonRow]));
  }

  async replaceKeyState(datasetId: string, signature: string, state: Map<string, JsonRow>): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.keyState.deleteMany({ where: { datasetId } });
      await upsertKeyState(tx, datasetId, state);
      await tx.dataset.update({ where: { id: datasetId }, data: { stateSignature: signature } });
    });
  }

  async *readRows(datasetId: string, opts: { fromOffset?: bigint; batchSize?: number } = {}): AsyncIterable<StoredRow[]> {
    const batchSize = opts.batchSize ?? 10_000;
    let from = opts.fromOffset ?? 0n;
    for (;;) {
      const rows = await this.prisma.dataRow.findMany({
        where: { datasetId, offset: { gte: from } },
        orderBy: { offset: 'asc' },
        take: batchSize,
        select: { offset: true, op: true, systemTime: true, eventTime: true, data: true },
      });
      if (rows.length === 0) return;
      yield rows.map((r) => ({ offset: r.offset, op: r.op, systemTime: r.systemTime, eventTime: r.eventTime, data: r.data as JsonRow }));
      from = rows[rows.length - 1].offset + 1n;
    }
  }

  async loadQos2Receipts(datasetId: string): Promise<Set<number>> {
    const rows = await this.prisma.qos2Receipt.findMany({ where: { datasetId }, select: { packetId: true } });
    return new Set(rows.map((r) => r.packetId));
  }

  async saveSessionTopics(datasetId: string, topics: TopicSubscription[]): Promise<void> {
    await this.prisma.dataset.update({ where: { id: datasetId }, data: { sessionTopics: topics as unknown as object } });
  }

  async commit(c: SliceCommit): Promise<void> {
    const last = c.blocks.at(-1);
    await this.prisma.$transaction(
      async (tx) => {
        if (last) {
          const moved = await tx.$executeRaw`
            UPDATE dataset SET head_hash = ${last.hash}, head_sequence = ${last.block.sequenceNumber},
                   next_offset = ${c.nextOffset}, watermark = ${c.watermark}
            WHERE id = ${c.datasetId} AND head_hash = ${c.expectedHeadHash}`;
          if (moved !== 1) throw new SluiceError('HEAD_MOVED', 'the dataset head moved during the commit (a concurrent writer); nothing was committed');
          await tx.metadataBlock.createMany({
            data: c.blocks.map((b) => ({
              datasetId: c.datasetId,
              sequenceNumber: b.block.sequenceNumber,
              hash: b.hash,
              prevHash: b.block.prevBlockHash ?? null,
              systemTime: new Date(b.block.systemTime),
              event: b.block.event as object,
            })),
          });
        }
        if (c.dataSchema) {
          await tx.dataset.update({ where: { id: c.datasetId }, data: { dataSchema: c.dataSchema as unknown as object } });
        }
        if (c.slice) {
          const s = c.slice;
          await tx.dataSlice.create({
            data: {
              datasetId: c.datasetId,
              offsetStart: s.offsetStart,
              offsetEnd: s.offsetEnd,
              blockSequence: last!.block.sequenceNumber,
              hash: s.hash,
              size: s.size,
              systemTime: c.systemTime,
            },
          });
          await tx.$executeRaw`
            INSERT INTO data_row (dataset_id, "offset", op, system_time, event_time, data)
            SELECT ${c.datasetId}, o, p, s, e, d
            FROM unnest(${s.rows.map((r) => r.offset.toString())}::bigint[],
                        ${s.rows.map((r) => r.op)}::smallint[],
                        ${s.rows.map((r) => r.systemTime.toISOString())}::timestamptz[],
                        ${s.rows.map((r) => r.eventTime.toISOString())}::timestamptz[],
                        ${s.rows.map((r) => JSON.stringify(r.data))}::jsonb[]) AS t(o, p, s, e, d)`;
        }
        if (c.keyState) {
          await upsertKeyState(tx, c.datasetId, c.keyState.upserts);
          if (c.keyState.deletes.length) {
            await tx.$executeRaw`DELETE FROM key_state WHERE dataset_id = ${c.datasetId} AND key = ANY(${c.keyState.deletes}::text[])`;
          }
        }
        if (c.qos2Receipts.add.length) {
          await tx.qos2Receipt.createMany({ data: c.qos2Receipts.add.map((packetId) => ({ datasetId: c.datasetId, packetId })), skipDuplicates: true });
        }
        if (c.qos2Receipts.remove.length) {
          await tx.qos2Receipt.deleteMany({ where: { datasetId: c.datasetId, packetId: { in: c.qos2Receipts.remove } } });
        }
        if (c.quarantine.length) {
          await tx.quarantinedMessage.createMany({
            data: c.quarantine.map((q) => ({ datasetId: c.datasetId, pullId: c.pull.id, ...q, payload: new Uint8Array(q.payload) })),
          });
        }
        const a = c.pull.add;
        await tx.pull.update({
          where: { id: c.pull.id },
          data: {
            messagesReceived: { increment: a.messagesReceived },
            rowsCommitted: { increment: a.rowsCommitted },
            quarantined: { increment: a.quarantined },
            duplicates: { increment: a.duplicates },
            slices: { increment: a.slices },
          },
        });
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
  }
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

async function upsertKeyState(tx: Tx, datasetId: string, state: Map<string, JsonRow>): Promise<void> {
  if (state.size === 0) return;
  const keys = [...state.keys()];
  await tx.$executeRaw`
    INSERT INTO key_state (dataset_id, key, row)
    SELECT ${datasetId}, k, r FROM unnest(${keys}::text[], ${keys.map((k) => JSON.stringify(state.get(k)))}::jsonb[]) AS t(k, r)
    ON CONFLICT (dataset_id, key) DO UPDATE SET row = EXCLUDED.row`;
}

function ownerIsDeadLocalProcess(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== os.hostname()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
