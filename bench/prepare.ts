/**
 * npm run bench:prepare — the CPU the ingest core spends per message, without a broker: the real
 * SliceWriter (read → merge → key state → stage → slice encoding) preparing and committing
 * BENCH_MESSAGES (100,000) synthetic QoS 1 messages (benchPayload) to a throwaway Postgres, in
 * batches of 2,500 published every 4th batch (10,000-row slices), as a pull does; for a Ledger
 * merge on [event_time, device_id] and for an Append merge.
 *
 * Prints the process's CPU per message (process.cpuUsage: every thread of this process, so other
 * load on the machine moves it less than the wall clock), the CPU of prepare alone, and wall ms.
 * The Ledger runs again with its messages read ahead, as a pull's session thread reads them
 * (read-ahead.ts): packed outside the measured part, handed to the messages and unpacked (in
 * prepare) within it; the difference is what reading costs the pulling thread. It is smaller than
 * the runs' noise, so reading is also timed alone: readMessage against unpacking read-ahead rows.
 * Postgres works in its own processes and is not counted. Env: BENCH_MESSAGES, BENCH_ROUNDS (runs
 * per merge, the best is printed; default 3), BENCH_CPU_PROF (a directory: a V8 CPU profile of the
 * last Ledger run is written there).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { addDataset } from '../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../lib/datasets/dataset-key';
import type { ReceivedMessage } from '../lib/ingest/fetch/mqtt-session';
import { mqttSourceConfig } from '../lib/ingest/mqtt-source-config';
import { packedTransferables, ReadAheadPacker, readAheadPlan, ReadAheadResults, type PackedReadResults, type ReadAheadPlan } from '../lib/ingest/read/read-ahead';
import { readMessage } from '../lib/ingest/read/read-message';
import { configureSchema, SliceWriter, systemClock } from '../lib/ingest/slice-writer';
import type { Store } from '../lib/store/open-store';
import { mqttManifest } from '../test/support/manifests';
import { startPostgres } from '../test/support/postgres-server';
import { BENCH_FIELDS, benchPayload, openFreshDatabase } from './support';

const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 2_500;
const PUBLISH_EVERY = 4;
const LEDGER = '        kind: Ledger\n        primaryKey: [event_time, device_id]';
const MERGES: Record<string, { merge: string; readAhead: boolean }> = {
  Ledger: { merge: LEDGER, readAhead: false },
  'Ledger, read ahead': { merge: LEDGER, readAhead: true },
  Append: { merge: '        kind: Append', readAhead: false },
};


interface Run {
  cpuUsPerMsg: number;
  prepareCpuUsPerMsg: number;
  wallMs: number;
}

/** The messages a pull would receive: built once, outside the measured part. */
function messages(): ReceivedMessage[] {
  const receivedAt = new Date();
  return Array.from({ length: N }, (_, i) => ({ topic: 'bench/prepare/a', payload: Buffer.from(benchPayload(i)), qos: 1, retain: false, dup: false, messageId: (i % 65_535) + 1, receivedAt }));
}

async function run(store: Store, name: string, merge: string, received: ReceivedMessage[], readAhead: boolean): Promise<Run> {
  await addDataset({ store, manifest: mqttManifest({ name, port: 1883, topics: [{ path: 'bench/prepare/#', qos: 'AtLeastOnce' }], fields: BENCH_FIELDS, merge }) });
  const head = (await store.ingest.getDatasetHead(defaultWorkspaceKey(name)))!;
  const source = mqttSourceConfig(head.snapshot, () => undefined);
  const schema = configureSchema(source.readSchema!, source, head);
  const pullId = `bench-prepare-${Date.now()}`;
  const lease = await store.ingest.acquirePullLease(head.id, pullId);
  await store.ingest.startPull(head.id, pullId);
  const writer = new SliceWriter({ store: store.ingest, clock: systemClock, head, source, schema, pullId, maxPayloadBytes: 1 << 20 });
  await writer.start();
  const packed = readAhead ? packReadAhead(received, readAheadPlan(source.read, schema.readSchema, 1 << 20)) : undefined;
  let prepareCpu = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b * BATCH < received.length; b++) {
    const batch = packed ? unpackReadAhead(received, packed, b) : received.slice(b * BATCH, (b + 1) * BATCH);
    const publish = (b + 1) % PUBLISH_EVERY === 0 || (b + 1) * BATCH >= received.length;
    const before = process.cpuUsage();
    const prepared = await writer.prepare(batch, [], publish);
    const spent = process.cpuUsage(before);
    prepareCpu += spent.user + spent.system;
    await writer.commit(prepared);
  }
  const wallMs = performance.now() - t0;
  const { user, system } = process.cpuUsage(cpu);
  await store.ingest.finishPull(pullId, { status: 'updated', hasMore: false });
  await lease.release();
  if (writer.counters.rowsCommitted !== received.length) throw new Error(`committed ${writer.counters.rowsCommitted} of ${received.length} rows`);
  return { cpuUsPerMsg: (user + system) / received.length, prepareCpuUsPerMsg: prepareCpu / received.length, wallMs };
}

/** What the session thread would post (a batch's messages read and packed), a pull batch at a time. */
function packReadAhead(received: ReceivedMessage[], plan: ReadAheadPlan): PackedReadResults[] {
  const packer = new ReadAheadPacker(plan);
  const batches: PackedReadResults[] = [];
  for (let at = 0; at < received.length; at += BATCH) {
    for (const m of received.slice(at, at + BATCH)) packer.read(m);
    const batch = packer.take();
    batches.push(structuredClone(batch, { transfer: packedTransferables(batch) }));
  }
  return batches;
}

/** What the pulling thread does with batch `b` as it arrives (deliverSessionEvents): a message object each, referring to its results (prepare unpacks them). */
function unpackReadAhead(received: ReceivedMessage[], packed: PackedReadResults[], b: number): ReceivedMessage[] {
  const results = new ReadAheadResults(packed[b]);
  return received.slice(b * BATCH, (b + 1) * BATCH).map((m, index) => ({ ...m, readAhead: { results, index } }));
}

/**
 * Reading's own cost on the pulling thread, without the rest of prepare (whose run-to-run noise is
 * larger than the difference): readMessage over every message, against unpacking the same rows
 * from read-ahead batches (ReadAheadResults.at), best of ROUNDS, in µs a message.
 */
async function readingCosts(store: Store, received: ReceivedMessage[]): Promise<{ read: number; unpack: number }> {
  await addDataset({ store, manifest: mqttManifest({ name: 'bench.prepare.reading', port: 1883, topics: [{ path: 'bench/prepare/#', qos: 'AtLeastOnce' }], fields: BENCH_FIELDS, merge: LEDGER }) });
  const head = (await store.ingest.getDatasetHead(defaultWorkspaceKey('bench.prepare.reading')))!;
  const source = mqttSourceConfig(head.snapshot, () => undefined);
  const plan = readAheadPlan(source.read, source.readSchema!, 1 << 20);
  const packed = packReadAhead(received, plan);
  let read = Infinity;
  let unpack = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    for (const m of received) readMessage(plan.read, plan.readSchema, m, { maxPayloadBytes: plan.maxPayloadBytes });
    read = Math.min(read, ((performance.now() - t) * 1000) / received.length);
    t = performance.now();
    for (const batch of packed) {
      const results = new ReadAheadResults(batch);
      for (let i = 0; i < batch.rowCounts.length; i++) results.at(i);
    }
    unpack = Math.min(unpack, ((performance.now() - t) * 1000) / received.length);
  }
  return { read, unpack };
}

async function main() {
  const server = await startPostgres();
  const { store } = await openFreshDatabase(server.adminUrl, 'bench_prepare');
  const profDir = process.env.BENCH_CPU_PROF;
  try {
    const received = messages();
    console.log(`# SliceWriter prepare + commit: ${N.toLocaleString('en-US')} messages (~${received[0].payload.length} bytes), batches of ${BATCH}, a slice every ${PUBLISH_EVERY} batches; best of ${ROUNDS}`);
    // Rounds take the merges in turn, so that what one run leaves (a grown heap, a warmer JIT) weighs on each alike.
    const best = new Map<string, Run>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind, { merge, readAhead }] of Object.entries(MERGES)) {
        const profile = profDir && kind === 'Ledger' && round === ROUNDS - 1 ? new Session() : undefined;
        if (profile) {
          profile.connect();
          await profile.post('Profiler.enable');
          await profile.post('Profiler.start');
        }
        const r = await run(store, `bench.prepare.${kind.toLowerCase().replace(/[^a-z]+/g, '-')}${round}`, merge, received, readAhead);
        if (profile) {
          const { profile: cpuProfile } = await profile.post('Profiler.stop');
          mkdirSync(profDir!, { recursive: true });
          writeFileSync(path.join(profDir!, `prepare-${Date.now()}.cpuprofile`), JSON.stringify(cpuProfile));
          profile.disconnect();
        }
        const before = best.get(kind);
        if (!before || r.cpuUsPerMsg < before.cpuUsPerMsg) best.set(kind, r);
      }
    }
    for (const [kind, r] of best) console.log(`${kind.padEnd(18)} CPU ${r.cpuUsPerMsg.toFixed(2)} µs/msg (prepare ${r.prepareCpuUsPerMsg.toFixed(2)} µs/msg), wall ${Math.round(r.wallMs)} ms`);
    const reading = await readingCosts(store, received);
    console.log(`Reading alone: readMessage ${reading.read.toFixed(2)} µs/msg; its rows unpacked from the session thread's read-ahead ${reading.unpack.toFixed(2)} µs/msg (what the pulling thread pays instead; best of ${ROUNDS})`);
  } finally {
    await store.close();
    server.stop();
  }
}

await main();
