/**
 * npm run bench:stream — streaming latency and memory (issue 13 §3).
 *
 * A publisher process sends a steady BENCH_RATE (default 5,000) QoS 1 messages a second to a
 * throwaway Mosquitto for BENCH_SECONDS (default 300); this process runs a follow pull (what
 * `sluice pull --follow` and an always-on dataset run, its session on its own thread) of a Ledger dataset on a throwaway
 * Postgres. Each message's event_time is the instant it was published, so publish → committed
 * (visible to readers: the slice and its AddData block are in Postgres) is measured per message
 * when its commit returns. Prints p50/p95/p99/max, this process's RSS and heap (after a GC) once
 * warmed up and at the end, its CPU time per message (a figure robust to the machine's load: the
 * rate one idle core would sustain), and the chain's slices and blocks against the commits made.
 * Env: BENCH_RATE, BENCH_SECONDS, BENCH_COMMIT_INTERVAL_MS (default 1000), BENCH_COMPACTION=0, BENCH_PROGRESS_S (30).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import mqtt from 'mqtt';
import { addDataset } from '../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../lib/datasets/dataset-key';
import { verifyDataset } from '../lib/datasets/verify-dataset';
import { followPull, type FollowCommit } from '../lib/ingest/follow-pull';
import { DEFAULT_COMPACTION } from '../lib/ingest/compact-tail';
import { openThreadedMqttSession } from '../lib/ingest/fetch/threaded-mqtt-session';
import { openStore } from '../lib/store/open-store';
import { mqttManifest } from '../test/support/manifests';
import { startMosquitto } from '../test/support/mosquitto-server';
import { startPostgres } from '../test/support/postgres-server';
import { BENCH_FIELDS, benchPayload } from './support';

const RATE = Number(process.env.BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 300);
const INTERVAL_MS = Number(process.env.BENCH_COMMIT_INTERVAL_MS ?? 1000);
/** BENCH_COMPACTION=0: no merging of tail slices (to see what it costs the latency). */
const COMPACTION = process.env.BENCH_COMPACTION !== '0';
const WARMUP_S = Math.min(10, SECONDS / 5);
/** BENCH_PROGRESS_S: seconds between progress lines (each with the process's memory figures). */
const PROGRESS_MS = 1000 * Number(process.env.BENCH_PROGRESS_S ?? 30);
const TOPIC = 'bench/stream/a';

if (process.argv[2] === 'publish') await publisher(Number(process.argv[3]));
else await main();

/** Publishes RATE messages a second for SECONDS, event_time = now, at most 500 unacknowledged. */
async function publisher(port: number) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  const start = Date.now();
  let sent = 0;
  let outstanding = 0;
  const total = RATE * SECONDS;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((Date.now() - start) * RATE) / 1000));
      while (sent < due && outstanding < 500) {
        const i = sent++;
        outstanding++;
        // benchPayload's shape, with the publish instant as event_time (the key's first part).
        const payload = benchPayload(i).replace(/"event_time":"[^"]*"/, `"event_time":"${new Date().toISOString()}"`);
        client.publish(TOPIC, payload, { qos: 1 }, () => outstanding--);
      }
      if (sent >= total && outstanding === 0) return resolve();
      setTimeout(tick, 5);
    };
    tick();
  });
  await client.endAsync();
}

interface MemorySample extends NodeJS.MemoryUsage {
  /** From /proc (Linux): RSS split into anonymous memory (heaps, malloc arenas) and file pages (the node binary's code as it gets touched). */
  rssAnon?: number;
  rssFile?: number;
}

function memorySample(): MemorySample {
  const m: MemorySample = process.memoryUsage();
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    m.rssAnon = kb('RssAnon');
    m.rssFile = kb('RssFile');
  } catch {
    // not Linux
  }
  return m;
}

/**
 * The process's memory by kind: the JS heap V8 reserved (heapTotal) and used, memory outside it
 * that JS objects hold (external, of which arrayBuffers: Buffers, Arrow's typed arrays), and the
 * rest of RSS (the node binary, V8's code and compiler zones, malloc arenas).
 */
function memoryLine(m: MemorySample): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const proc = m.rssAnon === undefined ? '' : ` (RssAnon ${mb(m.rssAnon)}, RssFile ${mb(m.rssFile!)})`;
  return `rss ${mb(m.rss)}${proc} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}, rest ${mb(m.rss - m.heapTotal - m.external)}`;
}

async function main() {
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(`# Streaming: ${RATE.toLocaleString('en-US')} msg/s QoS 1 for ${SECONDS} s, commit interval ${INTERVAL_MS} ms (load ${load()})`);
  const [broker, server] = await Promise.all([startMosquitto({ maxQueuedMessages: 10_000_000, autosaveInterval: 0 }), startPostgres()]);
  const store = await openStore({ databaseUrl: server.adminUrl });
  // Interrupted: the throwaway servers go too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.stop();
      void broker.stop().finally(() => process.exit(130));
    });
  }
  const manifest = mqttManifest({ name: 'bench.stream', port: broker.port, topics: [{ path: 'bench/stream/#', qos: 'AtLeastOnce' }], fields: BENCH_FIELDS, merge: '        kind: Ledger\n        primaryKey: [event_time, device_id]' });
  await addDataset({ store, manifest });
  const dataset = defaultWorkspaceKey('bench.stream');

  // Latency histogram in 1 ms buckets (the last holds everything ≥ 60 s): constant memory.
  const buckets = new Uint32Array(60_001);
  let measured = 0;
  let commits = 0;
  let compactions = 0;
  let warm: { atOnce: MemorySample; settled: MemorySample } | undefined;
  const onCommit = (c: FollowCommit) => {
    commits++;
    const at = c.committedAt.getTime();
    for (const m of c.messages) {
      // `{"event_time":"…Z",`: the publish instant, read without parsing the whole payload.
      const sentAt = Date.parse(m.payload.toString('latin1', 15, 39));
      buckets[Math.min(60_000, Math.max(0, at - sentAt))]++;
      measured++;
    }
  };
  // Batches staged before their slice (windows of a broker waiting for acknowledgements): each is one more transaction.
  let stagings = 0;
  const commit = store.ingest.commit;
  store.ingest.commit = (...cs) => {
    stagings += cs.filter((c) => c.stage).length;
    return commit.apply(store.ingest, cs);
  };
  const stop = new AbortController();
  let connected!: () => void;
  const subscribed = new Promise<void>((resolve) => (connected = resolve));
  const run = followPull({
    store: store.ingest,
    dataset,
    follow: { commitIntervalMs: INTERVAL_MS, compaction: { ...DEFAULT_COMPACTION, enabled: COMPACTION } },
    // Its session on a thread of its own, as `sluice pull --follow` and `sluice worker` open it.
    openSession: openThreadedMqttSession,
    signal: stop.signal,
    onCommit,
    onConnected: () => connected(),
    onCompact: () => compactions++,
    onReconnect: ({ error }) => console.log(`reconnecting: ${error.message}`),
  });
  await subscribed;
  const cpuAtStart = process.cpuUsage();
  const wallAtStart = Date.now();

  const pub = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'publish', String(broker.port)], { stdio: 'inherit', env: process.env });
  const published = new Promise<number | null>((resolve) => pub.on('close', resolve));
  // V8 hands the pages a GC freed back to the OS from a background thread: RSS read at once after
  // gc() may still count them, so the figures are read at once and again 2 s later.
  const memory = async () => {
    global.gc?.();
    const atOnce = memorySample();
    await new Promise((r) => setTimeout(r, 2000));
    return { atOnce, settled: memorySample() };
  };
  setTimeout(() => void memory().then((m) => (warm = m)), WARMUP_S * 1000);
  // Where memory goes over time (no GC forced here): RSS beyond heapTotal + external is native
  // memory the JS engine does not account for (malloc arenas, zlib state, code).
  const progress = setInterval(() => console.log(`  ${measured.toLocaleString('en-US')} messages committed, ${commits} commits, load ${load()}; ${memoryLine(memorySample())}`), PROGRESS_MS);
  const code = await published;
  if (code !== 0) throw new Error(`the publisher failed (${code})`);
  // Every published message committed (the run keeps up, or this waits up to 5 minutes for it to catch up).
  const catchUpUntil = Date.now() + 300_000;
  while (measured < RATE * SECONDS && Date.now() < catchUpUntil) await new Promise((r) => setTimeout(r, 50));
  if (measured < RATE * SECONDS) console.log(`NOT CAUGHT UP: ${RATE * SECONDS - measured} messages not committed 5 minutes after the publisher ended`);
  const end = await memory();
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (Date.now() - wallAtStart) / 1000;
  clearInterval(progress);
  stop.abort();
  const result = await run;

  const ds = (await store.datasets.find(dataset))!;
  const [slices, blocks, verify] = await Promise.all([store.datasets.slices(ds.id), store.datasets.blocks(ds.id), verifyDataset(store, dataset)]);
  const pct = (p: number) => {
    let seen = 0;
    const target = Math.ceil(measured * p);
    for (let ms = 0; ms < buckets.length; ms++) if ((seen += buckets[ms]) >= target) return ms;
    return buckets.length - 1;
  };
  console.log(`messages committed: ${measured.toLocaleString('en-US')} (${result.rowsCommitted.toLocaleString('en-US')} rows, ${result.duplicates} duplicates)`);
  console.log(`latency publish → committed: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms (target p99 ≤ 1,500 ms)`);
  console.log(`runner memory after ${WARMUP_S} s: RSS ${mb(warm!.settled.rss)}, heap ${mb(warm!.settled.heapUsed)}; at the end: RSS ${mb(end.settled.rss)}, heap ${mb(end.settled.heapUsed)} (2 s after a GC)`);
  console.log(`  after ${WARMUP_S} s, at once after the GC: ${memoryLine(warm!.atOnce)}`);
  console.log(`  after ${WARMUP_S} s, 2 s later: ${memoryLine(warm!.settled)}`);
  console.log(`  at the end, at once after the GC: ${memoryLine(end.atOnce)}`);
  console.log(`  at the end, 2 s later: ${memoryLine(end.settled)}`);
  // Robust to load: what the runner spent per message, so what one idle core would sustain.
  console.log(`runner CPU: ${cpuSeconds.toFixed(1)} s over ${wallSeconds.toFixed(0)} s wall (${((100 * cpuSeconds) / wallSeconds).toFixed(0)}% of a core), ${((1e6 * cpuSeconds) / Math.max(1, measured)).toFixed(0)} µs per message: one idle core sustains ~${Math.round(measured / cpuSeconds).toLocaleString('en-US')} msg/s`);
  console.log(`chain: ${commits} commits → ${slices.length} slices, ${blocks.length} blocks (${compactions} compactions), ${stagings} batches staged before their slice; verify: ${verify.problems.length ? verify.problems.join('; ') : 'ok'}`);
  console.log(`load average at the end: ${load()} (uptime: ${execFileSync('uptime').toString().trim()})`);
  await store.close();
  server.stop();
  await broker.stop();
}
