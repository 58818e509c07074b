import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { deviceExists, type DeviceCredentialInfo } from '../devices/device-credential';
import { defaultPushTopic } from '../devices/push-topic';
import type { DeviceCounts, DeviceEndpointStore, InboxBatch, InboxMessage, InboxOrder, PushTarget, StoredDevice } from '../device-endpoint/ports';
import type { Qos2Receipts } from '../mqtt/qos2-receipts';
import { pushSourceRefusal } from '../odf/mqtt-source';
import type { DatasetSnapshot } from '../odf';
import type { PrismaClient } from './prisma';
import { inTransaction } from './pg-transaction';
import { uniqueName } from './unique-violation';

/**
 * Device credentials, the device inbox and device QoS 2 receipts. The console manages credentials
 * through Prisma; the endpoint's group commit writes the inbox with one multi-row statement per
 * table (unnest; the inbox rows packed in binary parameters) in one transaction.
 */
export class DeviceRepository implements DeviceEndpointStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
  ) {}

  /** Creates a credential; the username is generated (unique across workspaces) and returned. */
  async create(a: { workspaceId: string; name: string; secretHash: string; allowedFilters: string[]; expiresAt: Date | null; by?: string }): Promise<DeviceCredentialInfo> {
    const username = `${a.name.toLowerCase().replace(/[^a-z0-9]/g, '-').slice(0, 32)}-${randomBytes(5).toString('hex')}`;
    const row = await uniqueName(
      () =>
        this.prisma.deviceCredential.create({
          data: { id: randomUUID(), workspaceId: a.workspaceId, name: a.name, username, secretHash: a.secretHash, allowedFilters: a.allowedFilters, expiresAt: a.expiresAt, createdBy: a.by ?? null },
        }),
      // The username has 40 random bits: only the name's (workspace, name) index is ever violated.
      () => deviceExists(a.name),
    );
    return toInfo(row);
  }

  async nameTaken(workspaceId: string, name: string): Promise<boolean> {
    return (await this.prisma.deviceCredential.count({ where: { workspaceId, name } })) > 0;
  }

  async list(workspaceId: string): Promise<DeviceCredentialInfo[]> {
    const rows = await this.prisma.deviceCredential.findMany({ where: { workspaceId }, orderBy: { name: 'asc' } });
    return rows.map(toInfo);
  }

  /** Revokes the workspace's credential of that id; false when there is none (or it was revoked). */
  async revoke(workspaceId: string, id: string, at: Date): Promise<string | undefined> {
    const row = await this.prisma.deviceCredential.findFirst({ where: { id, workspaceId, revokedAt: null }, select: { name: true } });
    if (!row) return undefined;
    await this.prisma.deviceCredential.updateMany({ where: { id, workspaceId, revokedAt: null }, data: { revokedAt: at } });
    return row.name;
  }

  /** Deletes the workspace's credential of that name, if any (the demo's, replaced at each start). */
  async deleteByName(workspaceId: string, name: string): Promise<void> {
    await this.prisma.deviceCredential.deleteMany({ where: { workspaceId, name } });
  }

  async findDevice(username: string): Promise<StoredDevice | undefined> {
    const r = await this.prisma.deviceCredential.findUnique({ where: { username } });
    return r ? { credentialId: r.id, workspaceId: r.workspaceId, username: r.username, allowedFilters: r.allowedFilters, expiresAt: r.expiresAt, revokedAt: r.revokedAt, secretHash: r.secretHash } : undefined;
  }

  async recordConnection(credentialId: string, address: string, at: Date): Promise<void> {
    await this.prisma.deviceCredential.updateMany({ where: { id: credentialId }, data: { lastConnectedAt: at, lastAddress: address.slice(0, 100) } });
  }

  /**
   * Adds counts to their credentials in one statement; when that fails, credential by credential,
   * so one bad entry loses only its own counts (the first failure is thrown after the rest landed).
   * A refusal reason may quote device input: control characters (NUL is refused by Postgres) are dropped.
   */
  async addCounts(counts: Map<string, DeviceCounts>): Promise<void> {
    if (counts.size === 0) return;
    try {
      await this.updateCounts(counts);
    } catch (err) {
      if (counts.size === 1) throw err;
      let first: unknown;
      for (const entry of counts) await this.updateCounts(new Map([entry])).catch((e: unknown) => (first ??= e));
      if (first) throw first;
    }
  }

  private async updateCounts(counts: Map<string, DeviceCounts>): Promise<void> {
    const ids = [...counts.keys()];
    const v = [...counts.values()];
    await this.pool.query(
      `UPDATE device_credential c SET messages = c.messages + u.m, refusals = c.refusals + u.r, last_refusal = COALESCE(u.why, c.last_refusal)
         FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) AS u(id, m, r, why) WHERE c.id = u.id`,
      [ids, v.map((c) => c.messages), v.map((c) => c.refusals), v.map((c) => (c.lastRefusal === undefined ? null : withoutControlCharacters(c.lastRefusal)))],
    );
  }

  async refusedCredentials(ids: string[], now: Date): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const ok = await this.pool.query<{ id: string }>('SELECT id FROM device_credential WHERE id = ANY($1::text[]) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)', [ids, now]);
    const admitted = new Set(ok.rows.map((r) => r.id));
    return new Set(ids.filter((id) => !admitted.has(id)));
  }

  async pushTargets(workspaceId: string): Promise<PushTarget[]> {
    const rows = await this.prisma.dataset.findMany({ where: { workspaceId }, select: { id: true, name: true, manifest: true, pushTopic: true }, orderBy: { name: 'asc' } });
    return rows
      .filter((d) => pushSourceRefusal(d.manifest as unknown as DatasetSnapshot) === undefined)
      .map((d) => ({ datasetId: d.id, name: d.name, topicFilter: d.pushTopic ?? defaultPushTopic(d.name) }));
  }

  async appendInbox(batch: InboxBatch, order?: InboxOrder): Promise<void> {
    try {
      await inTransaction(this.pool, async (db) => {
        await writeInboxBatch(db, batch);
        order?.written();
        await order?.after;
      });
    } finally {
      order?.written();
    }
  }

  async loadQos2Receipts(credentialId: string, clientId: string): Promise<Qos2Receipts> {
    const rows = await this.prisma.deviceQos2Receipt.findMany({ where: { credentialId, clientId }, select: { packetId: true, digest: true } });
    return new Map(rows.map((r) => [r.packetId, r.digest]));
  }

  async countQos2Sessions(credentialId: string, exceptClientId: string): Promise<number> {
    const r = await this.pool.query<{ n: number }>('SELECT count(DISTINCT client_id)::int AS n FROM device_qos2_receipt WHERE credential_id = $1 AND client_id <> $2', [credentialId, exceptClientId]);
    return r.rows[0].n;
  }

  async clearQos2Receipts(credentialId: string, clientId: string): Promise<void> {
    await this.prisma.deviceQos2Receipt.deleteMany({ where: { credentialId, clientId } });
  }

  /** Sets the topic filter a push dataset receives (null: `<name>/#`). */
  async setPushTopic(datasetId: string, filter: string | null): Promise<void> {
    await this.prisma.dataset.update({ where: { id: datasetId }, data: { pushTopic: filter } });
  }

  /**
   * Calls `onChange` whenever messages for the dataset commit to its inbox (a Postgres notification,
   * so from any process's device endpoint or HTTP push); returns how to stop. One listening
   * connection serves every watcher of this store.
   */
  async watchInbox(datasetId: string, onChange: () => void): Promise<() => void> {
    if (!this.inboxListener) {
      const opening: Promise<InboxListener> = this.listen(() => {
        if (this.inboxListener === opening) this.inboxListener = undefined;
      });
      this.inboxListener = opening;
    }
    const listening = this.inboxListener;
    let listener: InboxListener;
    try {
      listener = await listening;
    } catch (err) {
      if (this.inboxListener === listening) this.inboxListener = undefined;
      throw err;
    }
    listener.watchers.add(onChange);
    listener.byDataset.set(onChange, datasetId);
    return () => {
      if (!listener.byDataset.delete(onChange)) return;
      listener.watchers.delete(onChange);
      // The last watcher gone: the listening connection closes (and a later watch opens another).
      if (listener.watchers.size === 0 && this.inboxListener === listening) {
        this.inboxListener = undefined;
        void listener.db.end().catch(() => undefined);
      }
    };
  }

  private inboxListener: Promise<InboxListener> | undefined;

  /**
   * A connection of its own (not the pool's: it stays open while anyone watches). When it is lost
   * (Postgres restarted, the backend terminated), the next watch opens another; the watchers it
   * held still read every BACKLOG_EVERY_MS (inbox-preview.ts) and end when their stream does.
   */
  private async listen(lost: () => void): Promise<InboxListener> {
    const db = new pg.Client({ connectionString: this.pool.options.connectionString });
    const listener: InboxListener = { db, watchers: new Set(), byDataset: new Map() };
    db.on('notification', (n) => {
      for (const f of listener.watchers) if (listener.byDataset.get(f) === n.payload) f();
    });
    db.on('error', lost);
    db.on('end', lost);
    try {
      await db.connect();
      await db.query(`LISTEN ${INBOX_CHANNEL}`);
    } catch (err) {
      await db.end().catch(() => undefined);
      throw err;
    }
    return listener;
  }

  /** A dataset's inbox messages after inbox id `afterId` (none: the latest `limit`), oldest first, without who sent them. */
  async inboxMessages(datasetId: string, afterId: bigint | undefined, limit: number): Promise<InboxPreviewMessage[]> {
    const rows =
      afterId === undefined
        ? await this.prisma.deviceInboxMessage.findMany({ where: { datasetId }, orderBy: { id: 'desc' }, take: limit, select: INBOX_PREVIEW_FIELDS })
        : await this.prisma.deviceInboxMessage.findMany({ where: { datasetId, id: { gt: afterId } }, orderBy: { id: 'asc' }, take: limit, select: INBOX_PREVIEW_FIELDS });
    if (afterId === undefined) rows.reverse();
    return rows.map((r) => ({ id: r.id, topic: r.topic, payload: Buffer.from(r.payload), qos: r.qos as 0 | 1 | 2, receivedAt: r.receivedAt }));
  }

  /** Messages waiting in a dataset's inbox (the console's backlog figure). */
  async inboxBacklog(datasetId: string): Promise<number> {
    return this.prisma.deviceInboxMessage.count({ where: { datasetId } });
  }
}

const INBOX_CHANNEL = 'sluice_device_inbox';
const INBOX_PREVIEW_FIELDS = { id: true, topic: true, payload: true, qos: true, receivedAt: true } as const;

interface InboxListener {
  db: pg.Client;
  watchers: Set<() => void>;
  /** Each watcher's dataset id. */
  byDataset: Map<() => void, string>;
}

/** An inbox message as the live preview shows it: never which credential sent it. */
export interface InboxPreviewMessage {
  id: bigint;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  receivedAt: Date;
}

function withoutControlCharacters(text: string): string {
  return text.replace(/\p{Cc}/gu, '');
}

/**
 * A stored credential row as the console shows it. Fields are copied one by one, never spread: the
 * row also holds the secret's hash, which must not leave the store.
 */
function toInfo(r: Omit<DeviceCredentialInfo, 'messages' | 'refusals'> & { messages: bigint; refusals: bigint }): DeviceCredentialInfo {
  const { id, workspaceId, name, username, allowedFilters, expiresAt, revokedAt, createdAt, createdBy, lastConnectedAt, lastAddress, lastRefusal } = r;
  return { id, workspaceId, name, username, allowedFilters, expiresAt, revokedAt, createdAt, createdBy, lastConnectedAt, lastAddress, lastRefusal, messages: Number(r.messages), refusals: Number(r.refusals) };
}

/** One inbox batch's statements: the messages (with a notification per dataset), receipts and releases. */
async function writeInboxBatch(db: pg.PoolClient, batch: InboxBatch): Promise<void> {
  const m = batch.messages;
  if (m.length) {
    const rows = packInboxRows(m);
    // One statement: the rows, in message order (their ids follow it: unnest keeps its order), and a notification per dataset,
    // delivered at commit to whatever process shows a live preview of these datasets (watchInbox).
    // A data-modifying WITH runs to completion whether or not its output is read.
    await db.query(
      `WITH inserted AS (
         INSERT INTO device_inbox (workspace_id, dataset_id, credential_id, topic, payload, qos, received_at)
         SELECT w, d, c, t, substring($1::bytea FROM p FOR pl), q, to_timestamp(at / 1000)
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[], $8::int4[], $9::float8[]) AS m(w, d, c, t, p, pl, q, at)
         RETURNING 1)
       SELECT pg_notify('${INBOX_CHANNEL}', d) FROM unnest($10::text[]) AS d`,
      [rows.payloads, m.map((x) => x.workspaceId), m.map((x) => x.datasetId), m.map((x) => x.credentialId), m.map((x) => x.topic), ...rows.columns, rows.datasets],
    );
  }
  // Releases first: a release ends a receipt committed before (it waits for that commit), and a
  // receipt under the same id in this batch is a newer one, which the release must not take along.
  const d = batch.releases;
  if (d.length) {
    await db.query(
      'DELETE FROM device_qos2_receipt q USING unnest($1::text[], $2::text[], $3::int[]) AS u(c, k, p) WHERE q.credential_id = u.c AND q.client_id = u.k AND q.packet_id = u.p',
      [d.map((x) => x.credentialId), d.map((x) => x.clientId), d.map((x) => x.packetId)],
    );
  }
  // The last receipt under each session's packet id: a statement may not upsert one row twice, and
  // a later one replaces a stale one (a device that lost its state reused the id).
  const r = [...new Map(batch.receipts.map((x) => [JSON.stringify([x.credentialId, x.clientId, x.packetId]), x])).values()];
  if (r.length) {
    await db.query(
      `INSERT INTO device_qos2_receipt (credential_id, client_id, packet_id, digest) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[])
       ON CONFLICT (credential_id, client_id, packet_id) DO UPDATE SET digest = EXCLUDED.digest`,
      [r.map((x) => x.credentialId), r.map((x) => x.clientId), r.map((x) => x.packetId), r.map((x) => x.digest)],
    );
  }
}

/**
 * The inbox rows' payloads, offsets, QoS and reception times as the insert above takes them: the
 * payloads are one binary bytea parameter (each row a substring of it) and the numbers binary int4[]
 * and float8[] parameters. pg sent bytea[] and timestamptz[] as text (hex, escaped and quoted per
 * element), which cost more in the endpoint and in Postgres than the rest of the insert
 * (bench:devices, Postgres alone: 6.0 → 3.7 µs of the endpoint's and 12.1 → 9.6 µs of Postgres's
 * CPU per message). The ids and topics stay text[]: Postgres reads those cheaper than substrings.
 */
function packInboxRows(messages: InboxMessage[]): { payloads: Buffer; columns: Buffer[]; datasets: string[] } {
  const n = messages.length;
  const p = new Int32Array(n);
  const pl = new Int32Array(n);
  const q = new Int32Array(n);
  const at = new Float64Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    p[i] = size + 1;
    pl[i] = m.payload.length;
    size += m.payload.length;
    q[i] = m.qos;
    at[i] = m.receivedAt.getTime();
  }
  const int4 = (b: Buffer, x: number, o: number) => b.writeInt32BE(x, o);
  return {
    payloads: Buffer.concat(messages.map((m) => m.payload), size),
    columns: [binaryArray(INT4_OID, 4, p, int4), binaryArray(INT4_OID, 4, pl, int4), binaryArray(INT4_OID, 4, q, int4), binaryArray(FLOAT8_OID, 8, at, (b, x, o) => b.writeDoubleBE(x, o))],
    datasets: [...new Set(messages.map((m) => m.datasetId))],
  };
}

const INT4_OID = 23;
const FLOAT8_OID = 701;

/**
 * A one-dimensional array without NULLs in PostgreSQL's binary format (array_send/array_recv: ndim,
 * has-nulls flag, element type, length and lower bound, then each element's length and bytes); pg
 * sends a Buffer parameter in binary format.
 */
function binaryArray(elementOid: number, width: number, values: ArrayLike<number>, write: (b: Buffer, value: number, offset: number) => void): Buffer {
  const out = Buffer.allocUnsafe(20 + values.length * (4 + width));
  out.writeInt32BE(1, 0);
  out.writeInt32BE(0, 4);
  out.writeInt32BE(elementOid, 8);
  out.writeInt32BE(values.length, 12);
  out.writeInt32BE(1, 16);
  let o = 20;
  for (let i = 0; i < values.length; i++) {
    out.writeInt32BE(width, o);
    write(out, values[i], o + 4);
    o += 4 + width;
  }
  return out;
}
