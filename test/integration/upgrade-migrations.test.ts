import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../../lib/store/migrate';
import { mergeSetupOf } from '../support/merge-setup';
import { createTestDatabase, TEST_SECRET_KEY } from '../support/test-store';
import { PassThrough } from 'node:stream';
import { chainBlocks } from '../../lib/chain/metadata-block';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { exportDataset } from '../../lib/datasets/export-dataset';
import { verifyDataset } from '../../lib/datasets/verify-dataset';
import { applyToState } from '../../lib/ingest/merge/apply-to-state';
import { encodeSliceLine, storedToSliceRow } from '../../lib/ingest/slice-encoding';
import { stageSlice } from '../../lib/ingest/stage-slice';
import type { DataSchema } from '../../lib/odf/data-type';
import type { DatasetSnapshot } from '../../lib/odf';
import { connectStore } from '../../lib/store/connect-store';
import { committedKeyState } from '../../lib/ingest/committed-key-state';
import { keyHash64 } from '../../lib/ingest/key-hash';
import type { SeenKeyGroup } from '../../lib/ingest/ports';
import { runPollingIngest, stateSignature } from '../../lib/ingest/run-polling-ingest';
import { seenKeyGroup } from '../../lib/ingest/seen-keys';
import mqtt from 'mqtt';
import { mqttManifest } from '../support/manifests';
import { startMosquitto } from '../support/mosquitto-server';
import { TEST_IDLE_MS } from '../support/pull-timing';

/** The migrations that `keep` selects, as a directory of their own. */
function migrationsWhere(keep: (name: string) => boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-migrations-'));
  for (const m of fs.readdirSync(MIGRATIONS_DIR).filter(keep)) fs.cpSync(path.join(MIGRATIONS_DIR, m), path.join(dir, m), { recursive: true });
  return dir;
}

/**
 * Columns of later releases that the current code reads wherever it touches a dataset: a test that
 * runs the current code on an older database applies them early (each only adds its column).
 */
const READ_BY_CURRENT_CODE = ['20261208800000_session_topics_confirmed'];

/** The migrations up to (not including) `name`, and those the current code needs to run on it. */
const migrationsBefore = (name: string) => migrationsWhere((m) => m < name || READ_BY_CURRENT_CODE.includes(m));

/** A new database migrated up to (not including) `migration`, and a client on it. */
async function databaseBefore(migration: string): Promise<{ url: string; db: pg.Client }> {
  const url = await createTestDatabase();
  await applyMigrations(url, migrationsBefore(migration));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return { url, db };
}

const source = (host: string, port: number, password?: string) => ({
  kind: 'DatasetSnapshot',
  name: 'x',
  metadata: [{ kind: 'SetPollingSource', fetch: { kind: 'Mqtt', host, port, topics: [{ path: 'a/#' }], ...(password ? { password } : {}) } }],
});

describe('[UPGRADE] migrations of this release move existing data', () => {
  it("gives members Better Auth stored with roles Sluice does not know the least Sluice role they list, and cancels such invitations", async () => {
    const { url, db } = await databaseBefore('20261208400001_sec2_member_roles');
    const roles = ['maintainer,reader', 'owner', 'editor, maintainer', 'maintainer', 'editor'];
    for (const [i, role] of roles.entries()) {
      await db.query(`INSERT INTO auth_user (id, name, email, email_verified, created_at, updated_at) VALUES ($1, $1, $1 || '@example.test', false, now(), now())`, [`u${i}`]);
      await db.query(`INSERT INTO workspace_member (id, organization_id, user_id, role, created_at) VALUES ($1, 'default', $2, $3, now())`, [`m${i}`, `u${i}`, role]);
    }
    for (const [id, role] of [['i-owner', 'owner'], ['i-editor', 'editor']]) {
      await db.query(`INSERT INTO workspace_invitation (id, organization_id, email, role, status, expires_at, inviter_id) VALUES ($1, 'default', $1 || '@example.test', $2, 'pending', now() + interval '1 day', 'u3')`, [id, role]);
    }
    await applyMigrations(url);
    expect((await db.query(`SELECT role FROM workspace_member ORDER BY id`)).rows.map((r) => r.role)).toEqual(['reader', 'reader', 'editor', 'maintainer', 'editor']);
    expect((await db.query(`SELECT id, status FROM workspace_invitation ORDER BY id`)).rows).toEqual([{ id: 'i-editor', status: 'pending' }, { id: 'i-owner', status: 'canceled' }]);
    await db.end();
  });

  it('keeps look-alike saved-query names apart: the oldest keeps its name, later ones get their id appended', async () => {
    const { url, db } = await databaseBefore('20261208400000_sec2_saved_query_name_key');
    const query = (id: string, name: string, at: string) => db.query(`INSERT INTO saved_query (id, workspace_id, name, sql, created_at) VALUES ($1, 'default', $2, 'SELECT 1', $3)`, [id, name, at]);
    await query('aaaaaaaa-1', 'Daily report', '2026-01-01T00:00:00Z');
    await query('bbbbbbbb-2', 'DAILY REPORT', '2026-01-02T00:00:00Z');
    await query('cccccccc-3', 'Weekly', '2026-01-03T00:00:00Z');
    await applyMigrations(url);
    const rows = await db.query<{ id: string; name: string; name_key: string }>(`SELECT id, name, name_key FROM saved_query ORDER BY id`);
    expect(rows.rows).toEqual([
      { id: 'aaaaaaaa-1', name: 'Daily report', name_key: 'daily report' },
      { id: 'bbbbbbbb-2', name: 'DAILY REPORT (bbbbbbbb)', name_key: 'daily report (bbbbbbbb)' },
      { id: 'cccccccc-3', name: 'Weekly', name_key: 'weekly' },
    ]);
    await db.end();
  });

  it('renames datasets stored with "account/name", and leaves existing secrets bound to no broker', async () => {
    const { url, db } = await databaseBefore('20261205000000_dataset_name_rule');
    const dataset = (id: string, name: string, manifest: object) =>
      db.query(`INSERT INTO dataset (id, name, workspace_id, manifest, head_hash, head_sequence, mqtt_client_id) VALUES ($1, $2, 'default', $3, 'h', 0, $1)`, [id, name, JSON.stringify(manifest)]);
    await dataset('d1', 'acme/temp', { ...source('mqtts://broker.example.com', 8883, '${{ env.API_TOKEN }}'), name: 'acme/temp' });
    await dataset('d2', 'other/temp', source('10.0.0.7', 1884));
    await dataset('d3', 'temp', source('ws://[::1]:8083/mqtt', 1883, '${{ env.MQTT_PASSWORD }}'));
    const secret = (datasetId: string | null, name: string) =>
      db.query(`INSERT INTO secret (workspace_id, dataset_id, name, nonce, sealed) VALUES ('default', $1, $2, '\\x00', '\\x00')`, [datasetId, name]);
    await secret('d3', 'MQTT_PASSWORD');
    await secret(null, 'API_TOKEN');
    await secret(null, 'MQTT_TLS_CA');
    await secret(null, 'UNUSED');

    await applyMigrations(url);
    const names = await db.query<{ id: string; name: string; manifest_name: string }>(`SELECT id, name, manifest->>'name' AS manifest_name FROM dataset ORDER BY id`);
    expect(names.rows).toEqual([
      { id: 'd1', name: 'acme.temp', manifest_name: 'acme.temp' }, // "temp" was taken
      { id: 'd2', name: 'other.temp', manifest_name: 'other.temp' },
      { id: 'd3', name: 'temp', manifest_name: 'x' },
    ]);
    await expect(db.query(`UPDATE dataset SET name = 'a/b' WHERE id = 'd3'`)).rejects.toThrow(/dataset_name_is_odf_dataset_name/);
    // Bound to no broker: nothing is sent until a maintainer says where each secret goes.
    const bindings = await db.query<{ name: string; brokers: string[] }>(`SELECT name, brokers FROM secret ORDER BY name`);
    expect(Object.fromEntries(bindings.rows.map((r) => [r.name, r.brokers]))).toEqual({ API_TOKEN: [], MQTT_PASSWORD: [], MQTT_TLS_CA: [], UNUSED: [] });
    await db.end();
  });
});

describe('[UPGRADE] slices become the one copy of committed data (20261205120000_slices_only)', () => {
  it('moves every slice\'s rows into its stored segment, so verify and export give what the rows gave', async () => {
    const url = await createTestDatabase();
    // Every migration but the one under test (and the later one that reads the table it creates):
    // the current code adds the dataset (it reads columns later migrations add), and the slices'
    // tables are as the previous release left them.
    await applyMigrations(url, migrationsWhere((m) => (m !== '20261205120000_slices_only' && m < '20261206110000_seen_key_buckets') || READ_BY_CURRENT_CODE.includes(m)));
    const old = await connectStore({ databaseUrl: url, secretKey: TEST_SECRET_KEY });
    await addDataset({ store: old, manifest: mqttManifest({ name: 'upg', port: 1883, topics: [{ path: 'upg/#' }] }) });
    await old.close();

    // Two slices committed the way the previous release did: rows in data_row, Ledger keys in
    // key_state; the first slice from before segments were stored (arrow NULL).
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const d = (await db.query<{ id: string; num: number; head_hash: string; manifest: DatasetSnapshot }>(`SELECT id, num, head_hash, manifest FROM dataset WHERE name = 'upg'`)).rows[0];
    const { layout, strategy } = mergeSetupOf(d.manifest);
    let head = { hash: d.head_hash, sequenceNumber: 1, nextOffset: 0n, watermark: null as Date | null, dataSchema: null as DataSchema | null };
    const lines: string[] = [];
    for (const [i, first] of [[0, true], [3, false]] as const) {
      const batch = [0, 1, 2].map((j) => ({ event_time: Date.UTC(2026, 0, 1, 0, 0, i + j), device: `d${j}`, value: j === 1 ? null : (i + j) / 3 }));
      const systemTime = new Date(Date.UTC(2026, 0, 2, 0, 0, i));
      const merged = strategy.merge({ hasHistory: !first, get: () => undefined, keys: () => [] }, batch);
      const staged = stageSlice({ merged, layout, systemTime, nextOffset: head.nextOffset, prevWatermark: head.watermark, committedDataSchema: head.dataSchema })!;
      const blocks = chainBlocks({ hash: head.hash, sequenceNumber: head.sequenceNumber }, staged.events, systemTime);
      const s = staged.slice;
      for (const b of blocks) {
        await db.query('INSERT INTO metadata_block (dataset_id, sequence_number, hash, prev_hash, system_time, event) VALUES ($1, $2, $3, $4, $5, $6)', [
          d.id, b.block.sequenceNumber, b.hash, b.block.prevBlockHash, b.block.systemTime, JSON.stringify(b.block.event),
        ]);
      }
      await db.query(
        `INSERT INTO data_slice (dataset_id, offset_start, offset_end, block_sequence, hash, size, system_time, arrow, arrow_adler32, arrow_size, arrow_schema)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [d.id, s.offsetStart, s.offsetEnd, blocks.at(-1)!.block.sequenceNumber, s.hash, s.size, systemTime,
          ...(first ? [null, null, null, null] : [Buffer.from(s.arrow.segment.deflated), s.arrow.segment.adler32, s.arrow.segment.size, s.arrow.schemaKey])],
      );
      for (const r of s.rows) {
        await db.query('INSERT INTO data_row (dataset_num, "offset", op, system_time, event_time, data) VALUES ($1, $2, $3, $4, $5, $6)', [d.num, r.offset, r.op, r.systemTime, r.eventTime, JSON.stringify(r.data)]);
        lines.push(encodeSliceLine(storedToSliceRow(r, layout), layout));
      }
      for (const key of applyToState(strategy, staged.committedRows).upserts.keys()) await db.query('INSERT INTO key_state (dataset_num, key) VALUES ($1, $2)', [d.num, key]);
      head = { hash: blocks.at(-1)!.hash, sequenceNumber: blocks.at(-1)!.block.sequenceNumber, nextOffset: s.offsetEnd + 1n, watermark: staged.watermark, dataSchema: staged.dataSchema ?? head.dataSchema };
      await db.query('UPDATE dataset SET head_hash = $2, head_sequence = $3, next_offset = $4, watermark = $5, data_schema = $6, state_signature = $7 WHERE id = $1', [
        d.id, head.hash, head.sequenceNumber, head.nextOffset, head.watermark, JSON.stringify(head.dataSchema), `Ledger:${JSON.stringify(strategy.primaryKey)}`, // the previous release's signature
      ]);
    }

    // A row a killed pull staged, one per table row as the previous release kept them.
    await db.query(`INSERT INTO staged_row (dataset_num, position, op, event_time, data) VALUES ($1, 0, 0, '2026-01-03T00:00:00.123Z', '["d9", 1.25]')`, [d.num]);

    await applyMigrations(url);
    const store = await connectStore({ databaseUrl: url, secretKey: TEST_SECRET_KEY });
    try {
      expect(await verifyDataset(store, defaultWorkspaceKey('upg'))).toMatchObject({ blocks: 5, slices: 2, rows: 6, problems: [] });
      const out = new PassThrough();
      const text = (async () => (await out.toArray()).join(''))();
      await exportDataset(store, defaultWorkspaceKey('upg'), 'ndjson', out);
      out.end();
      expect(await text).toBe(lines.join(''));
      // The Ledger's keys are rebuilt from the slices by the next pull, in its compact form.
      expect((await db.query('SELECT count(*)::int AS n FROM key_state')).rows[0].n).toBe(0);
      expect((await db.query(`SELECT state_signature FROM dataset WHERE id = $1`, [d.id])).rows[0].state_signature).toBeNull();
      await expect(db.query('SELECT 1 FROM data_row')).rejects.toThrow(/does not exist/);
      expect(await store.ingest.loadStagedRows(d.num)).toEqual([{ dataSchema: null, rows: [{ op: 0, eventTime: new Date('2026-01-03T00:00:00.123Z'), data: ['d9', 1.25] }] }]);
    } finally {
      await store.close();
      await db.end();
    }
  });
});

describe("[UPGRADE] Ledger's seen keys move into hash-range buckets (20261206110000), then into position buckets (20261207100000)", () => {
  it('carries every stored hash over: the same keys are seen in hash order, verify stays green, and the next pull rebuilds them in time order', async () => {
    const broker = await startMosquitto();
    const url = await createTestDatabase();
    await applyMigrations(url, migrationsBefore('20261206110000_seen_key_buckets'));
    const old = await connectStore({ databaseUrl: url, secretKey: TEST_SECRET_KEY });
    await addDataset({ store: old, manifest: mqttManifest({ name: 'upg', port: broker.port, topics: [{ path: 'upg/#', qos: 'AtLeastOnce' }] }) });
    let head = (await old.ingest.getDatasetHead(defaultWorkspaceKey('upg')))!;
    const { layout, strategy } = mergeSetupOf(head.snapshot);
    const lease = await old.ingest.acquirePullLease(head.id, 'p');
    await old.ingest.startPull(head.id, 'p');
    // Two batches of 100 rows committed, their seen keys written as the release before buckets
    // did: one seen_key_group row per batch with the hashes of its keys (GIN-indexed).
    const keys: string[] = [];
    const groups: SeenKeyGroup[] = [];
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    for (const b of [0, 1]) {
      const batch = Array.from({ length: 100 }, (_, j) => ({ event_time: Date.UTC(2026, 0, 1, 0, b, j % 60), device: `d${j}`, value: j }));
      const systemTime = new Date(Date.UTC(2026, 0, 2, 0, 0, b));
      const merged = strategy.merge({ hasHistory: b > 0, get: () => undefined, keys: () => [] }, batch);
      const staged = stageSlice({ merged, layout, systemTime, nextOffset: head.nextOffset, prevWatermark: head.watermark, committedDataSchema: head.dataSchema })!;
      const blocks = chainBlocks({ hash: head.headHash, sequenceNumber: head.headSequence }, staged.events, systemTime);
      await old.ingest.commit({
        ...{ datasetId: head.id, datasetNum: head.num, expectedHeadHash: head.headHash, systemTime, blocks, slice: staged.slice },
        ...{ nextOffset: staged.slice.offsetEnd + 1n, watermark: staged.watermark, dataSchema: staged.dataSchema, qos2Receipts: { add: [], remove: [] }, quarantine: [] },
        pull: { id: 'p', add: { messagesReceived: 0, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 } },
      });
      const batchKeys = [...applyToState(strategy, staged.committedRows).upserts.keys()];
      keys.push(...batchKeys);
      groups.push(seenKeyGroup(strategy, staged.committedRows, staged.slice.offsetStart));
      await db.query('INSERT INTO seen_key_group (dataset_num, offset_start, row_count, hashes) VALUES ($1, $2, $3, $4::bigint[])', [
        head.num, staged.slice.offsetStart.toString(), staged.slice.rows.length, batchKeys.map((k) => keyHash64(k).toString()),
      ]);
      head = (await old.ingest.getDatasetHead(defaultWorkspaceKey('upg')))!;
    }
    const hashSignature = `Ledger/seen-hash64:${JSON.stringify(strategy.primaryKey)}`; // both releases before time order
    await db.query('UPDATE dataset SET state_signature = $2 WHERE id = $1', [head.id, hashSignature]);
    await old.ingest.finishPull('p', { status: 'updated', hasMore: false });
    await lease.release();
    await old.close();

    // The hash-range buckets, bounded by the lowest hash of their range (the smallest bigint for the first).
    await applyMigrations(url, migrationsBefore('20261207100000_seen_key_positions'));
    const bounds = async () => (await db.query<{ bound: string }>('SELECT lo::text AS bound FROM seen_key_bucket ORDER BY lo')).rows.map((r) => BigInt(r.bound));
    const hashBounds = await bounds();
    expect(hashBounds[0]).toBe(-(2n ** 63n));
    const before = await connectStore({ databaseUrl: url, secretKey: TEST_SECRET_KEY });
    expect(await verifyDataset(before, defaultWorkspaceKey('upg'))).toMatchObject({ slices: 2, rows: 200, problems: [] });
    await before.close();

    await applyMigrations(url);
    expect(await bounds()).toEqual(hashBounds.map((lo) => lo >> 16n)); // the same buckets, bounded in positions
    const store = await connectStore({ databaseUrl: url, secretKey: TEST_SECRET_KEY });
    const pull = () => runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('upg'), options: { idleTimeoutMs: TEST_IDLE_MS, connectTimeoutMs: 3000 } });
    try {
      expect(await verifyDataset(store, defaultWorkspaceKey('upg'))).toMatchObject({ slices: 2, rows: 200, problems: [] });
      // Kept as it was, and read in hash order until the next pull rebuilds it in time order.
      expect((await store.ingest.getDatasetHead(defaultWorkspaceKey('upg')))!.stateSignature).toBe(hashSignature);
      expect(stateSignature(strategy)).toBe(`Ledger/seen-time64(event_time):${JSON.stringify(strategy.primaryKey)}`);
      const fresh = JSON.stringify(['d1767225600500', 'snever seen']);
      const seen = await committedKeyState(store.ingest, defaultWorkspaceKey('upg'), [...keys, fresh]);
      expect(new Set(seen.keys())).toEqual(new Set(keys));
      const stored = await db.query<{ n: number; bytes: number }>('SELECT count(*)::int AS n, sum(length(entries))::int AS bytes FROM seen_key_bucket');
      expect(stored.rows[0]).toEqual({ n: 3, bytes: 200 * 10 }); // 68 entries a bucket
      await expect(db.query('SELECT hashes FROM seen_key_group')).rejects.toThrow(/does not exist/);

      // The next pull (its first opens the persistent session) rebuilds the seen keys from the
      // slices in time order; then a redelivered reading is dropped, a late one and a new one kept.
      expect(await pull()).toMatchObject({ status: 'up_to_date' });
      expect((await store.ingest.getDatasetHead(defaultWorkspaceKey('upg')))!.stateSignature).toBe(stateSignature(strategy));
      expect(await bounds()).not.toEqual(hashBounds.map((lo) => lo >> 16n));
      expect(new Set((await committedKeyState(store.ingest, defaultWorkspaceKey('upg'), [...keys, fresh])).keys())).toEqual(new Set(keys));
      const publisher = await mqtt.connectAsync(broker.url);
      for (const [second, device] of [[5, 'd5'], [30, 'late'], [86_400, 'new']] as const) {
        await publisher.publishAsync('upg/a', JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1) + second * 1000).toISOString(), device, value: 1 }), { qos: 1 });
      }
      await publisher.endAsync();
      expect(await pull()).toMatchObject({ status: 'updated', messagesReceived: 3, rowsCommitted: 2 });
      expect(await verifyDataset(store, defaultWorkspaceKey('upg'))).toMatchObject({ slices: 3, rows: 202, problems: [] });
    } finally {
      await store.close();
      await db.end();
      await broker.stop();
    }
  });
});
