import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { chainBlocks } from '../../lib/chain/metadata-block';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { committedKeyState } from '../../lib/ingest/committed-key-state';
import { applyToState } from '../../lib/ingest/merge/apply-to-state';
import { stateKeyOf } from '../../lib/ingest/merge/merge-support';
import { stateSignature } from '../../lib/ingest/run-polling-ingest';
import { keyPosition, seenKeyGroup, seenKeyOrder } from '../../lib/ingest/seen-keys';
import { stageSlice } from '../../lib/ingest/stage-slice';
import { connectStore } from '../../lib/store/connect-store';
import { applyMigrations } from '../../lib/store/migrate';
import { mqttManifest } from '../support/manifests';
import { mergeSetupOf } from '../support/merge-setup';
import { createTestDatabase, TEST_SECRET_KEY } from '../support/test-store';

const T0 = Date.UTC(2026, 0, 1);

/** A Ledger on [event_time, device] and a way to commit batches to it as a pull does. */
async function ledgerDataset() {
  const url = await createTestDatabase();
  await applyMigrations(url);
  const store = await connectStore({ databaseUrl: url, secretKey: TEST_SECRET_KEY });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await addDataset({ store, manifest: mqttManifest({ name: 'seen', port: 1883, topics: [{ path: 'seen/#' }] }) });
  let head = (await store.ingest.getDatasetHead(defaultWorkspaceKey('seen')))!;
  const { layout, strategy } = mergeSetupOf(head.snapshot);
  await store.ingest.acquirePullLease(head.id, 'p');
  await store.ingest.startPull(head.id, 'p');
  const commit = async (batch: { event_time: number; device: string; value: number }[]) => {
    const systemTime = new Date(Date.UTC(2026, 5, 1));
    const merged = strategy.merge({ hasHistory: head.nextOffset > 0n, get: () => undefined, keys: () => [] }, batch);
    const staged = stageSlice({ merged, layout, systemTime, nextOffset: head.nextOffset, prevWatermark: head.watermark, committedDataSchema: head.dataSchema })!;
    await store.ingest.commit({
      ...{ datasetId: head.id, datasetNum: head.num, expectedHeadHash: head.headHash, systemTime, slice: staged.slice },
      blocks: chainBlocks({ hash: head.headHash, sequenceNumber: head.headSequence }, staged.events, systemTime),
      ...{ nextOffset: staged.slice.offsetEnd + 1n, watermark: staged.watermark, dataSchema: staged.dataSchema, qos2Receipts: { add: [], remove: [] }, quarantine: [] },
      keyState: { signature: stateSignature(strategy), upserts: new Map(), deletes: [], seen: seenKeyGroup(strategy, staged.committedRows, staged.slice.offsetStart) },
      pull: { id: 'p', add: { messagesReceived: 0, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 } },
    });
    head = (await store.ingest.getDatasetHead(defaultWorkspaceKey('seen')))!;
    return [...applyToState(strategy, staged.committedRows).upserts.keys()];
  };
  /** The buckets as (lo, entries) text, to tell which a commit wrote. */
  const buckets = async () => new Set((await db.query<{ b: string }>("SELECT lo || ':' || encode(entries, 'hex') AS b FROM seen_key_bucket WHERE dataset_num = $1", [head.num])).rows.map((r) => r.b));
  const key = (ms: number, device: string) => stateKeyOf(strategy.primaryKey, { event_time: ms, device });
  const seen = async (keys: string[]) => new Set((await committedKeyState(store.ingest, defaultWorkspaceKey('seen'), keys)).keys());
  return { store, db, strategy, commit, buckets, key, seen, headNum: () => head.num, close: async () => (await db.end(), await store.close()) };
}

/** `n` readings from `fromMs`, one a second, each from its own device. */
const readings = (fromMs: number, n: number, tag = 'd') => Array.from({ length: n }, (_, j) => ({ event_time: fromMs + j * 1000, device: `${tag}${j}`, value: j }));

describe('[LEDGER] seen keys in position buckets (lib/store/seen-key-buckets.ts)', () => {
  it('a key whose stored position collides with a seen one is confirmed against the rows and stays new', async () => {
    const d = await ledgerDataset();
    try {
      // 300 rows in one commit: past one bucket, so the commit's append splits them.
      const committed = await d.commit(readings(T0, 300));
      expect((await d.db.query<{ n: number }>('SELECT count(*)::int AS n FROM seen_key_bucket')).rows[0].n).toBeGreaterThan(1);

      // A new key, and a forged entry as if its position collided with a key of the batch.
      const fresh = d.key(T0 + 1500, 'never committed');
      const position = keyPosition(seenKeyOrder(d.strategy), fresh);
      const entry = Buffer.alloc(10);
      entry.writeUIntBE(Number(position & (2n ** 48n - 1n)), 0, 6); // its position's low 48 bits…
      entry.writeUInt32BE(0, 6); // …in batch 0, whose rows do not hold it
      await d.db.query(
        `UPDATE seen_key_bucket SET entries = entries || $3 WHERE dataset_num = $1
           AND lo = (SELECT max(lo) FROM seen_key_bucket WHERE dataset_num = $1 AND lo <= $2)`,
        [d.headNum(), position.toString(), entry],
      );
      const keys = [...(await committedKeyState(d.store.ingest, defaultWorkspaceKey('seen'), 'all')).keys()];
      expect(keys).toEqual([]); // a Ledger keeps no key_state rows
      const found = await d.seen([fresh, ...committed]);
      expect(found.has(fresh)).toBe(false);
      expect(found.size).toBe(300);
    } finally {
      await d.close();
    }
  });

  it('a commit of keys newer than the history writes only the newest buckets, however many the history holds', async () => {
    const d = await ledgerDataset();
    try {
      for (let b = 0; b < 10; b++) await d.commit(readings(T0 + b * 300_000, 300, `b${b}-`));
      const before = await d.buckets();
      expect(before.size).toBeGreaterThan(40);
      await d.commit(readings(T0 + 10 * 300_000, 300, 'new-'));
      const written = [...(await d.buckets())].filter((b) => !before.has(b));
      // 300 entries fill five buckets at most (68 a bucket as splits leave them), plus the newest
      // one they were appended to; in hash order they would land in nearly every bucket.
      expect(written.length).toBeLessThanOrEqual(6);
    } finally {
      await d.close();
    }
  });

  it('places keys newer than the newest bucket, older ones and ones past its span each in the bucket that covers them', async () => {
    const d = await ledgerDataset();
    const SPAN = 2n ** 48n;
    /** Every stored entry's position, by bucket: each must lie below the next bucket's lo, and a bucket stay within its bytes. */
    const layout = async () => {
      const { rows } = await d.db.query<{ lo: string; entries: Buffer }>('SELECT lo::text AS lo, entries FROM seen_key_bucket WHERE dataset_num = $1 ORDER BY lo', [d.headNum()]);
      return rows.map((b, i) => {
        const lo = BigInt(b.lo);
        const positions: bigint[] = [];
        for (let at = 0; at < b.entries.length; at += 10) positions.push(lo + ((BigInt(b.entries.readUIntBE(at, 6)) - (lo & (SPAN - 1n)) + SPAN) & (SPAN - 1n)));
        return { lo, next: rows[i + 1] ? BigInt(rows[i + 1].lo) : undefined, positions, bytes: b.entries.length };
      });
    };
    try {
      const committed: string[] = [];
      const batches = [
        readings(T0, 300, 'a-'),
        // Half inside the first batch's range (older than the newest bucket), half after it.
        readings(T0 + 150_500, 300, 'b-'),
        // After everything, within the newest bucket's span; then past it (a day later).
        readings(T0 + 900_000, 200, 'c-'),
        readings(T0 + 2 * 86_400_000, 50, 'd-'),
        // All three at once: late, within the span, past it.
        [...readings(T0 + 1_000, 5, 'late-'), ...readings(T0 + 2 * 86_400_000 + 60_000, 5, 'e-'), ...readings(T0 + 5 * 86_400_000, 5, 'f-')],
      ];
      for (const batch of batches) {
        committed.push(...(await d.commit(batch)));
        for (const b of await layout()) {
          for (const p of b.positions) expect(b.next === undefined || p < b.next).toBe(true);
          expect(b.bytes).toBeLessThanOrEqual(1024);
        }
        expect(await d.seen([...committed, d.key(T0 + 150_500, 'never'), d.key(T0 + 9 * 86_400_000, 'never')])).toEqual(new Set(committed));
      }
      expect(committed).toHaveLength(865);
    } finally {
      await d.close();
    }
  });

  it('finds a key with an old event time (a redelivery) among new ones, and keeps a late key not seen before as new', async () => {
    const d = await ledgerDataset();
    try {
      const early = await d.commit(readings(T0, 300, 'early-'));
      // A day later, past the 2^48 span of one bucket's positions (18 hours): new buckets.
      const later = await d.commit(readings(T0 + 86_400_000, 300, 'later-'));
      const late = d.key(T0 + 150_500, 'late'); // in the first batch's time range, never committed
      expect(await d.seen([early[150], later[10], late, d.key(T0 + 86_400_000 + 5, 'new')])).toEqual(new Set([early[150], later[10]]));
      await d.commit([{ event_time: T0 + 150_500, device: 'late', value: 1 }]);
      expect(await d.seen([late, early[0], early[299]])).toEqual(new Set([late, early[0], early[299]]));
    } finally {
      await d.close();
    }
  });
});
