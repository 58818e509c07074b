import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { chainBlocks } from '../../lib/chain/metadata-block';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { committedKeyState } from '../../lib/ingest/committed-key-state';
import { keyHash64 } from '../../lib/ingest/key-hash';
import { applyToState } from '../../lib/ingest/merge/apply-to-state';
import { stateSignature } from '../../lib/ingest/run-polling-ingest';
import { seenKeyGroup } from '../../lib/ingest/seen-keys';
import { stageSlice } from '../../lib/ingest/stage-slice';
import { connectStore } from '../../lib/store/connect-store';
import { applyMigrations } from '../../lib/store/migrate';
import { mqttManifest } from '../support/manifests';
import { mergeSetupOf } from '../support/merge-setup';
import { createTestDatabase, TEST_SECRET_KEY } from '../support/test-store';

describe('[LEDGER] seen keys in hash-range buckets (lib/store/seen-key-buckets.ts)', () => {
  it('a key whose stored hash prefix collides with a seen one is confirmed against the rows and stays new', async () => {
    const url = await createTestDatabase();
    await applyMigrations(url);
    const store = await connectStore({ databaseUrl: url, secretKey: TEST_SECRET_KEY });
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await addDataset({ store, manifest: mqttManifest({ name: 'seen', port: 1883, topics: [{ path: 'seen/#' }] }) });
      const head = (await store.ingest.getDatasetHead(defaultWorkspaceKey('seen')))!;
      const { layout, strategy } = mergeSetupOf(head.snapshot);
      await store.ingest.acquirePullLease(head.id, 'p');
      await store.ingest.startPull(head.id, 'p');
      // 300 rows in one commit: past one bucket, so the commit's append splits them.
      const batch = Array.from({ length: 300 }, (_, j) => ({ event_time: Date.UTC(2026, 0, 1, 0, 0, j % 60, Math.floor(j / 60)), device: `d${j}`, value: j }));
      const systemTime = new Date(Date.UTC(2026, 0, 2));
      const merged = strategy.merge({ hasHistory: false, get: () => undefined, keys: () => [] }, batch);
      const staged = stageSlice({ merged, layout, systemTime, nextOffset: 0n, prevWatermark: null, committedDataSchema: head.dataSchema })!;
      const seen = seenKeyGroup(strategy, staged.committedRows, 0n);
      await store.ingest.commit({
        ...{ datasetId: head.id, datasetNum: head.num, expectedHeadHash: head.headHash, systemTime, slice: staged.slice },
        blocks: chainBlocks({ hash: head.headHash, sequenceNumber: head.headSequence }, staged.events, systemTime),
        ...{ nextOffset: staged.slice.offsetEnd + 1n, watermark: staged.watermark, dataSchema: staged.dataSchema, qos2Receipts: { add: [], remove: [] }, quarantine: [] },
        keyState: { signature: stateSignature(strategy), upserts: new Map(), deletes: [], seen },
        pull: { id: 'p', add: { messagesReceived: 0, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 } },
      });
      const buckets = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM seen_key_bucket WHERE dataset_num = $1', [head.num]);
      expect(buckets.rows[0].n).toBeGreaterThan(1);

      // A new key, and a forged entry as if its hash's top 48 bits collided with a key of the batch.
      const fresh = 'a key never committed';
      const entry = Buffer.alloc(10);
      entry.writeBigInt64BE(keyHash64(fresh) >> 16n << 16n); // its prefix…
      entry.writeUInt32BE(0, 6); // …in batch 0, whose rows do not hold it
      await db.query(
        `UPDATE seen_key_bucket SET entries = entries || $3 WHERE dataset_num = $1
           AND lo = (SELECT max(lo) FROM seen_key_bucket WHERE dataset_num = $1 AND lo <= $2)`,
        [head.num, keyHash64(fresh).toString(), entry],
      );
      const keys = [...(await committedKeyState(store.ingest, defaultWorkspaceKey('seen'), 'all')).keys()];
      expect(keys).toEqual([]); // a Ledger keeps no key_state rows
      const found = await committedKeyState(store.ingest, defaultWorkspaceKey('seen'), [fresh, ...applyToState(strategy, staged.committedRows).upserts.keys()]);
      expect(found.has(fresh)).toBe(false);
      expect(found.size).toBe(300);
    } finally {
      await db.end();
      await store.close();
    }
  });
});
