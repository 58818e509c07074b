import { execFileSync } from 'node:child_process';
import mqtt from 'mqtt';
import { chainBlocks } from '../lib/chain/metadata-block';
import { createMergeStrategy } from '../lib/ingest/merge/create-merge-strategy';
import { mqttSourceConfig } from '../lib/ingest/mqtt-source-config';
import { recordToRow } from '../lib/ingest/read/record-to-row';
import { decodePayloadCell } from '../lib/data/cell-codec';
import { stateSignature } from '../lib/ingest/run-polling-ingest';
import { layoutFromReadSchema } from '../lib/ingest/slice-layout';
import { stageSlice } from '../lib/ingest/stage-slice';
import { seenKeyGroup } from '../lib/ingest/seen-keys';
import type { SeenKeyGroup } from '../lib/ingest/ports';
import { openStore, type Store } from '../lib/store/open-store';
import { TEST_SECRET_KEY } from '../test/support/test-store';
import { defaultWorkspaceKey } from '../lib/datasets/dataset-key';

/** ~200-byte JSON reading, unique per `i` (Ledger key: event_time + device_id). */
export function benchPayload(i: number): string {
  return JSON.stringify(benchRecord(i));
}

/** The reading benchPayload encodes, as JSON.parse gives it back. */
function benchRecord(i: number) {
  return {
    event_time: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    device_id: `device-${String(i % 1000).padStart(5, '0')}`,
    seq: i,
    temperature: Math.round((20 + 5 * Math.sin(i / 1000)) * 100) / 100,
    humidity: Math.round((40 + 10 * Math.cos(i / 700)) * 10) / 10,
    status: 'ok',
    note: 'sluice-bench-padding-0123456789abcdef0123456789-0123456789abcdef',
  };
}

const BENCH_COLUMNS = [
  ['event_time', 'Timestamp'],
  ['device_id', 'String'],
  ['seq', 'Int64'],
  ['temperature', 'Float64'],
  ['humidity', 'Float64'],
  ['status', 'String'],
  ['note', 'String'],
] as const;

/** Read-schema fields (manifest YAML) for the first `count` keys of benchPayload. */
export function benchFields(count: number = BENCH_COLUMNS.length): string {
  return BENCH_COLUMNS.slice(0, count)
    .map(([name, type]) => `            - name: ${name}\n              type: ${type}`)
    .join('\n');
}

export const BENCH_FIELDS = benchFields();

/** Creates a persistent (clean=false) QoS 1 session for `clientId` on `topic`, then leaves. */
export function createSession(port: number, clientId: string, topic: string, v5: boolean): void {
  execFileSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-c', '-i', clientId, '-q', '1', '-t', topic, '-E', ...(v5 ? ['-V', '5', '-x', '86400'] : [])]);
}

/**
 * Publishes `count` QoS 1 messages from i = start, keeping at most 500 unacknowledged (mqtt.js
 * slows down ~40x without a window; mosquitto_pub -l gets disconnected for flooding).
 */
export async function publishBacklog(port: number, topic: string, start: number, count: number): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  const inFlight = new Set<Promise<unknown>>();
  for (let i = start; i < start + count; i++) {
    const p = client.publishAsync(topic, benchPayload(i), { qos: 1 }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 500) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await client.endAsync();
}

/** Seconds it takes mosquitto_sub to drain `count` messages from its persistent session. */
export function timeMosquittoSub(port: number, clientId: string, topic: string, count: number, v5: boolean): number {
  const t = performance.now();
  execFileSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-c', '-i', clientId, '-q', '1', '-t', topic, '-C', String(count), ...(v5 ? ['-V', '5', '-x', '86400'] : [])], {
    stdio: ['ignore', 'ignore', 'inherit'],
    maxBuffer: 1 << 30,
  });
  return (performance.now() - t) / 1000;
}

/**
 * Commits `rows` generated readings (benchPayload) in slices of `batchRows` through the same
 * read → merge → stage → commit path a pull uses, without a broker.
 */
export async function prefill(store: Store, name: string, rows: number, opts: { batchRows?: number; seenKeys?: 'per-commit' | 'rebuilt' } = {}) {
  const batchRows = opts.batchRows ?? 50_000;
  const rebuilt: SeenKeyGroup[] = [];
  let head = (await store.ingest.getDatasetHead(defaultWorkspaceKey(name)))!;
  const source = mqttSourceConfig(head.snapshot, () => undefined);
  const readSchema = source.readSchema!; // the bench manifest declares one
  const layout = layoutFromReadSchema(readSchema, source.vocab);
  const strategy = createMergeStrategy(source.merge, { fields: layout.mergeFields, vocab: source.vocab });
  const pullId = `prefill-${Date.now()}`;
  const lease = await store.ingest.acquirePullLease(head.id, pullId);
  await store.ingest.startPull(head.id, pullId);
  // Each batch is prepared while the previous one commits (Postgres works in its own process), so a
  // 10,000,000-row history takes minutes: the head moves here, as the pull's slice writer moves it.
  let inFlight: Promise<void> = Promise.resolve();
  for (let start = 0; start < rows; start += batchRows) {
    // The rows reading benchPayload(i) gives, typed by the reader's own cell decoding, without
    // the JSON text in between (~2 µs of CPU a row instead of ~4.5 through readMessage): the same history.
    const batch = [];
    for (let i = start; i < Math.min(rows, start + batchRows); i++) batch.push(recordToRow(readSchema.fields, benchRecord(i), 't', decodePayloadCell));
    const merged = strategy.merge({ hasHistory: head.nextOffset > 0n, get: () => undefined, keys: () => [] }, batch);
    const systemTime = new Date();
    const staged = stageSlice({ merged, layout, systemTime, nextOffset: head.nextOffset, prevWatermark: head.watermark, committedDataSchema: head.dataSchema })!;
    const blocks = chainBlocks({ hash: head.headHash, sequenceNumber: head.headSequence }, staged.events, systemTime);
    const commit = {
      datasetId: head.id,
      datasetNum: head.num,
      expectedHeadHash: head.headHash,
      systemTime,
      blocks,
      slice: staged.slice,
      nextOffset: staged.slice.offsetEnd + 1n,
      watermark: staged.watermark,
      dataSchema: staged.dataSchema,
      // The bench's merges are Append (no state) and Ledger (a seen-key group per batch).
      keyState: strategy.primaryKey.length && opts.seenKeys !== 'rebuilt' ? { signature: stateSignature(strategy), upserts: new Map(), deletes: [], seen: seenKeyGroup(strategy, staged.committedRows, staged.slice.offsetStart) } : undefined,
      qos2Receipts: { add: [], remove: [] },
      quarantine: [],
      pull: { id: pullId, add: { messagesReceived: 0, rowsCommitted: 0, quarantined: 0, duplicates: 0, slices: 0 } },
    };
    const last = blocks.at(-1)!;
    head = { ...head, headHash: last.hash, headSequence: last.block.sequenceNumber, nextOffset: commit.nextOffset, watermark: staged.watermark, dataSchema: staged.dataSchema ?? head.dataSchema };
    if (strategy.primaryKey.length && opts.seenKeys === 'rebuilt') rebuilt.push(seenKeyGroup(strategy, staged.committedRows, staged.slice.offsetStart));
    await inFlight;
    inFlight = store.ingest.commit(commit);
  }
  await inFlight;
  // 'rebuilt': the seen keys written in one pass at the end, as a pull writes them after a change of merge keys.
  if (rebuilt.length) await store.ingest.replaceKeyState(head, stateSignature(strategy), new Map(), rebuilt);
  await store.ingest.finishPull(pullId, { status: 'updated', hasMore: false });
  await lease.release();
}

/** A new, empty database on the server at `adminUrl` (named `<prefix>_<time>`), opened and migrated. */
export async function openFreshDatabase(adminUrl: string, prefix: string): Promise<{ databaseUrl: string; store: Store }> {
  const dbName = `${prefix}_${Date.now()}`;
  const admin = await openStore({ databaseUrl: adminUrl });
  await admin.prisma.$executeRawUnsafe(`CREATE DATABASE ${dbName}`);
  await admin.close();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  return { databaseUrl, store: await openStore({ databaseUrl, secretKey: TEST_SECRET_KEY }) };
}
