/**
 * npm run bench:ingest — ingest throughput against Mosquitto, and cost against history size.
 *
 * 1. Fills a persistent-session backlog of N (default 100,000) QoS 1 JSON messages (~200 bytes)
 *    on a throwaway Mosquitto, times `mosquitto_sub` draining it (MQTT 3.1.1 and 5) and the pull's
 *    transport alone (to the last message, and to Mosquitto having read every acknowledgement),
 *    then times `sluice pull` (the CLI, as a user runs it) committing the same backlog with a
 *    Ledger merge, and prints the CPU each process spent a message.
 * 2. Times a 10,000-message pull onto a dataset already holding BENCH_HISTORY_ROWS (1,000,000) rows,
 *    and the same pull onto an empty dataset, and prints the ratio; then pulls 10,000 more into each
 *    with auto_explain on and prints what Ledger's seen keys cost a commit (statements, pages, buckets
 *    written), figures the machine's load does not move.
 * 3. Bytes per committed row: 200,000 rows committed with an Append and with a Ledger merge, over
 *    every table, index and TOAST after VACUUM.
 * Env: BENCH_MESSAGES, BENCH_HISTORY_ROWS, BENCH_STORAGE_ROWS, BENCH_CPU_PROF (a directory for the pull's CPU profile),
 * BENCH_PULL_ARGS (more arguments for the timed `sluice pull`, e.g. `--record-cap 100000`), BENCH_NODE_FLAGS (Node/V8
 * flags for it, e.g. `--trace-deopt` or `--single-threaded` to see where its CPU goes),
 * BENCH_SECTIONS (comma-separated subset of storage,throughput,history; default all).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { addDataset } from '../lib/datasets/add-dataset';
import { runPollingIngest } from '../lib/ingest/run-polling-ingest';
import { mqttSourceConfig, type MqttSourceConfig } from '../lib/ingest/mqtt-source-config';
import { readMessage } from '../lib/ingest/read/read-message';
import { parseManifest } from '../lib/odf/parse-manifest';
import { sha3Multihash } from '../lib/chain/hash';
import type { MqttSession, ReceivedMessage } from '../lib/ingest/fetch/mqtt-session';
import { openThreadedMqttSession, prepareSessionThread } from '../lib/ingest/fetch/threaded-mqtt-session';
import { openStore, type Store } from '../lib/store/open-store';
import { mqttManifest } from '../test/support/manifests';
import { startMosquitto } from '../test/support/mosquitto-server';
import { startPostgres } from '../test/support/postgres-server';
import { BENCH_FIELDS, benchPayload, createSession, prefill, publishBacklog, timeMosquittoSub } from './support';
import { listenerPid, treeCpuMs } from './server-cpu';
import { defaultWorkspaceKey } from '../lib/datasets/dataset-key';

const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const HISTORY = Number(process.env.BENCH_HISTORY_ROWS ?? 1_000_000);
const STORAGE_ROWS = Number(process.env.BENCH_STORAGE_ROWS ?? 200_000);
const LEDGER = '        kind: Ledger\n        primaryKey: [event_time, device_id]';
const APPEND = '        kind: Append';
const ROOT = path.resolve(import.meta.dirname, '..');
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? 'storage,throughput,history').split(',').map((s) => s.trim()));

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main() {
  const [broker, server] = await Promise.all([startMosquitto({ maxQueuedMessages: 10_000_000, autosaveInterval: 0 }), startPostgres()]);
  const store = await openStore({ databaseUrl: server.adminUrl });
  try {
    if (SECTIONS.has('storage')) await storageCost(store, broker.port);
    if (SECTIONS.has('throughput')) await throughput(store, server.adminUrl, broker.port);
    if (SECTIONS.has('history')) await historyCost(store, broker.port);
  } finally {
    await store.close();
    server.stop();
    await broker.stop();
  }
}

async function throughput(store: Store, databaseUrl: string, port: number) {
  console.log(`\n# Throughput: a backlog of ${fmt(N)} QoS 1 messages (~${benchPayload(0).length} bytes)`);
  const manifest = mqttManifest({ name: 'bench.throughput', port, topics: [{ path: 'bench/throughput/#', qos: 'AtLeastOnce' }], fields: BENCH_FIELDS, merge: LEDGER });
  await addDataset({ store, manifest });
  await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey('bench.throughput'), options: { idleTimeoutMs: 100 } }); // creates the session
  createSession(port, 'bench-sub-311', 'bench/throughput/#', false);
  createSession(port, 'bench-sub-5', 'bench/throughput/#', true);
  const transport = { url: `mqtt://127.0.0.1:${port}`, clientId: 'bench-transport', topics: [{ path: 'bench/throughput/#', qos: 1 as const }] };
  await (await openBenchSession(transport, () => {})).close();
  // As `sluice pull` does, the session thread loads before the timing starts (while the backlog is published).
  prepareSessionThread();
  await publishBacklog(port, 'bench/throughput/a', 0, N);

  const sub311 = N / timeMosquittoSub(port, 'bench-sub-311', 'bench/throughput/#', N, false);
  const sub5 = N / timeMosquittoSub(port, 'bench-sub-5', 'bench/throughput/#', N, true);
  console.log(`mosquitto_sub drain, MQTT 3.1.1:  ${fmt(sub311)} msg/s`);
  console.log(`mosquitto_sub drain, MQTT 5:      ${fmt(sub5)} msg/s`);
  const servers = [listenerPid(port), listenerPid(Number(new URL(databaseUrl).port))];
  const serversCpu = () => servers.map((pid) => (pid === undefined ? undefined : treeCpuMs(pid)));
  const transportCpu = process.cpuUsage();
  const transportRun = await transportCeiling(transport, () => serversCpu()[0]);
  const ceiling = transportRun.rate;
  const { user, system } = process.cpuUsage(transportCpu);
  const transportCpuMs = (user + system) / 1000;
  console.log(`Sluice's transport alone:         ${fmt(ceiling)} msg/s (the pull's session thread: ack gate, mqtt.js; acknowledging in batches, no processing)`);
  console.log(`                                  = ${(ceiling / Math.max(sub311, sub5)).toFixed(2)} of mosquitto_sub: the most any pull over this transport could reach here`);
  console.log(`                                  ${fmt(transportRun.ackedRate)} msg/s until Mosquitto had read every acknowledgement (it reads them one per turn of its loop, after sending)`);

  const load = () => os.loadavg()[0].toFixed(1);
  const loadBefore = load();
  const serversBefore = serversCpu();
  const t0 = Date.now();
  const pull = measuredPull(databaseUrl, 'bench.throughput', process.env.BENCH_CPU_PROF);
  const wall = (Date.now() - t0) / 1000;
  const [mosquittoMs, postgresMs] = serversCpu().map((after, i) => (after === undefined || serversBefore[i] === undefined ? undefined : after - serversBefore[i]!));
  const loadAfter = load();
  // The same command with nothing waiting: its CPU is the start-up's and an empty pull's, not the messages'.
  const empty = measuredPull(databaseUrl, 'bench.throughput');
  const pulling = await ingestSeconds(databaseUrl, 'bench.throughput', new Date(t0));
  const best = Math.max(sub311, sub5);
  console.log(`sluice pull (CLI, Ledger):        ${fmt(N / pulling)} msg/s from the first pull's start to the last commit (${pulling.toFixed(2)} s)`);
  console.log(`                                  ${fmt(N / wall)} msg/s wall clock of the command (${wall.toFixed(2)} s: + process start-up and the 1 s idle timeout)`);
  console.log(`  ${pull.stdout}`);
  console.log(`RATIO sluice / transport ceiling: ${(N / pulling / ceiling).toFixed(2)} (target ≥ 0.6)`);
  console.log(`RATIO sluice / acknowledged:      ${(N / pulling / transportRun.ackedRate).toFixed(2)} (the transport alone timed until Mosquitto had read every acknowledgement)`);
  console.log(`RATIO sluice / mosquitto_sub:     ${(N / pulling / best).toFixed(2)}; wall clock ${(N / wall / best).toFixed(2)}`);
  const perThousand = (ms: number) => (ms / (N / 1000)).toFixed(1);
  console.log(`CPU per 1,000 messages:           pull ${perThousand(pull.cpuMs - empty.cpuMs)} ms, ${perThousand(pull.systemMs - empty.systemMs)} of it in the kernel (its process, every thread, less ${fmt(empty.cpuMs)} ms for start-up and an empty pull); transport alone ${perThousand(transportCpuMs)} ms`);
  if (mosquittoMs !== undefined && postgresMs !== undefined) {
    const pullMs = pull.cpuMs - empty.cpuMs;
    const cores = os.cpus().length;
    const ceilingBrokerMs = transportRun.brokerMs;
    console.log(`Servers' CPU per 1,000 messages:  Mosquitto ${perThousand(mosquittoMs)} ms, Postgres ${perThousand(postgresMs)} ms (their processes, during the pull's command)`);
    if (ceilingBrokerMs !== undefined && transportRun.brokerMsAtLast !== undefined) {
      console.log(`Mosquitto, the transport alone:   ${perThousand(ceilingBrokerMs)} ms per 1,000 messages in all; ${perThousand(transportRun.brokerMsAtLast)} ms of it before the last message arrived`);
      // Mosquitto runs on one thread: at its full cost per message it cannot deliver more than this.
      console.log(`Mosquitto's one core allows:      ${fmt((1000 * N) / ceilingBrokerMs)} msg/s delivered and acknowledged (0.6 × the ceiling is ${fmt(0.6 * ceiling)})`);
    }
    console.log(`Cores kept busy while it pulled:  ${((pullMs + mosquittoMs + postgresMs) / (pulling * 1000)).toFixed(2)} of ${cores} (pull ${(pullMs / (pulling * 1000)).toFixed(2)}, Mosquitto ${(mosquittoMs / (pulling * 1000)).toFixed(2)}, Postgres ${(postgresMs / (pulling * 1000)).toFixed(2)})`);
    // The machine's bound on the ratio: every message costs the pull, Mosquitto and Postgres CPU,
    // and they share the cores, so at 0.6 of the ceiling the pull has what the cores give that
    // rate less the servers' cost of a message. Mosquitto is counted at the lower of its figures
    // in all (during the pull; the transport alone with every acknowledgement read): the budget
    // most in the target's favour.
    const brokerMs = Math.min(mosquittoMs, ceilingBrokerMs ?? mosquittoMs);
    const budgetUs = (cores * 1e6) / (0.6 * ceiling) - ((brokerMs + postgresMs) * 1000) / N;
    console.log(`CPU the pull may spend for 0.6:   ${budgetUs.toFixed(1)} µs a message (${cores} cores at 0.6 × the ceiling, less Mosquitto's (the lower figure in all) and Postgres's µs a message above); it spends ${(pullMs * 1000 / N).toFixed(1)}`);
    // What of that budget any pull over this transport has for its own work: the transport's
    // receiving and acknowledging come first, and reading a payload is the least of the rest.
    const transportUs = (transportCpuMs * 1000) / N;
    const source = mqttSourceConfig(parseManifest(manifest), () => undefined);
    const floor = floorUs(source);
    console.log(`  less the transport alone:       ${(budgetUs - transportUs).toFixed(1)} µs a message for reading, merging, encoding, hashing and committing (the transport ${transportUs.toFixed(1)} µs, above); here reading alone (readMessage) takes ${floor.reading.toFixed(2)}, and SHA-3 (ODF's hash) over the payload's bytes ${floor.hashing.toFixed(2)}`);
  }
  console.log(`Postgres transactions:            ${fmt(((pull.transactions - empty.transactions) * 100_000) / N)} per 100,000 messages (${fmt(pull.transactions)} in the pull, ${fmt(empty.transactions)} in an empty one; single statements included)`);
  console.log(`Postgres write-ahead log:         ${fmt((pull.walBytes - empty.walBytes) / N)} bytes a message (${fmt(pull.walBytes / 1024)} KiB in the pull, ${fmt(empty.walBytes / 1024)} KiB in an empty one)`);
  console.log(`Load (1 min) before / after the pull: ${loadBefore} / ${loadAfter} on ${os.cpus().length} cores`);
}

/**
 * Runs `sluice pull <dataset>` as a user does, and measures what the machine's load does not
 * change: the process's CPU time (every thread, start-up included; written as it exits) and the
 * transactions the database committed meanwhile.
 */
function measuredPull(databaseUrl: string, dataset: string, cpuProfDir?: string): { stdout: string; cpuMs: number; systemMs: number; transactions: number; walBytes: number } {
  const cpuFile = path.join(os.tmpdir(), `sluice-bench-cpu-${process.pid}.json`);
  const cpuProbe = `data:text/javascript,import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(${JSON.stringify(cpuFile)},JSON.stringify(process.cpuUsage())))`;
  // BENCH_CPU_PROF=<dir>: the pull writes a V8 CPU profile there (node --cpu-prof).
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const before = databaseCounters(databaseUrl);
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const cli = spawnSync(process.execPath, [...flags, '--import', cpuProbe, ...prof, path.join(ROOT, 'bin/sluice.mjs'), 'pull', dataset, ...(process.env.BENCH_PULL_ARGS ?? '').split(' ').filter(Boolean)], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (cli.status !== 0) throw new Error(`sluice pull failed: ${cli.stderr}`);
  const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as { user: number; system: number };
  rmSync(cpuFile);
  const after = databaseCounters(databaseUrl);
  return { stdout: cli.stdout.trim(), cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000, transactions: after.transactions - before.transactions, walBytes: after.walBytes - before.walBytes };
}

/**
 * Two things every pull does to a bench message, in µs of this process's CPU (best of 3 passes over
 * 20,000): reading it (readMessage), and hashing as many bytes with SHA3-256, as the slice's ODF
 * hash does (its canonical line holds more: the payload's size is the least it hashes).
 */
function floorUs(source: MqttSourceConfig): { reading: number; hashing: number } {
  const messages = Array.from({ length: 20_000 }, (_, i) => ({ topic: 'bench/throughput/a', payload: Buffer.from(benchPayload(i)) }));
  const bytes = Buffer.concat(messages.map((m) => m.payload));
  const best = (work: () => void) => {
    let us = Infinity;
    for (let round = 0; round < 3; round++) {
      const t = performance.now();
      work();
      us = Math.min(us, ((performance.now() - t) * 1000) / messages.length);
    }
    return us;
  };
  return {
    reading: best(() => {
      for (const m of messages) readMessage(source.read, source.readSchema!, m, { maxPayloadBytes: 1 << 20 });
    }),
    hashing: best(() => void sha3Multihash(bytes)),
  };
}

/**
 * Transactions the database committed so far (pg_stat_database) and the write-ahead log's position
 * in bytes: what a replica or a backup of a managed Postgres receives (psql, so a pull's measure
 * stays synchronous).
 */
function databaseCounters(databaseUrl: string): { transactions: number; walBytes: number } {
  const sql = "SELECT xact_commit, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') FROM pg_stat_database WHERE datname = current_database()";
  const psql = spawnSync('psql', [databaseUrl, '-AtF', ' ', '-c', sql], { encoding: 'utf8' });
  if (psql.status !== 0) throw new Error(`psql failed: ${psql.stderr}`);
  const [transactions, walBytes] = psql.stdout.trim().split(' ').map(Number);
  return { transactions, walBytes };
}

type BenchSessionOptions = { url: string; clientId: string; topics: { path: string; qos: 1 }[] };

/** The session a CLI pull opens (its own thread), with a handler that does nothing but count. */
function openBenchSession(o: BenchSessionOptions, onMessage: (m: ReceivedMessage) => void) {
  return openThreadedMqttSession(
    { ...o, protocolVersion: 5, receiveMaximum: 10_000, connectTimeoutMs: 5000, sessionTopics: o.topics },
    { onMessage, onPubrel: () => {}, onError: (e) => console.error(e.message) },
  );
}

/**
 * Receive-and-acknowledge rate of the pull's transport with no reading, merging or committing, and
 * what Mosquitto spent. Mosquitto 2.0 reads one acknowledgement per turn of its loop and, refilling
 * its window from the oldest acknowledgement, sends on while later ones wait unread in its socket:
 * when the last message arrives it has read only part of them. So the run is also timed to the
 * broker's hang-up after the DISCONNECT that follows the last acknowledgement (it reads in order),
 * with its CPU sampled at both points: `rate`/`brokerMsAtLast` is the burst the ceiling
 * measures, `ackedRate`/`brokerMs` what delivering and taking back every acknowledgement costs.
 */
async function transportCeiling(o: BenchSessionOptions, mosquittoCpuMs: () => number | undefined): Promise<TransportCeiling> {
  let got = 0;
  let batch: ReceivedMessage[] = [];
  let session: MqttSession | undefined;
  let allIn: () => void = () => {};
  const finished = new Promise<void>((resolve) => (allIn = resolve));
  const flush = () => {
    if (!session) return; // messages can arrive before the session object exists; flushed then
    const done = batch;
    batch = [];
    for (const m of done) session.acknowledge(m);
  };
  const mosquittoBefore = mosquittoCpuMs();
  const t0 = performance.now();
  session = await openBenchSession(o, (m) => {
    batch.push(m);
    if (++got % 5000 === 0) setImmediate(flush);
    if (got === N) allIn();
  });
  flush();
  await finished;
  const rate = N / ((performance.now() - t0) / 1000);
  const mosquittoAtLast = mosquittoCpuMs();
  flush(); // the last acknowledgements go before the DISCONNECT
  await session.close();
  const ackedRate = N / ((performance.now() - t0) / 1000);
  const mosquittoAfter = mosquittoCpuMs();
  const spent = (after: number | undefined) => (mosquittoBefore === undefined || after === undefined ? undefined : after - mosquittoBefore);
  return { rate, ackedRate, brokerMsAtLast: spent(mosquittoAtLast), brokerMs: spent(mosquittoAfter) };
}

interface TransportCeiling {
  /** Messages a second, to the last message received (the ceiling). */
  rate: number;
  /** Messages a second, to the broker having read every acknowledgement. */
  ackedRate: number;
  /** Mosquitto's CPU milliseconds to the last message received, and in all. */
  brokerMsAtLast: number | undefined;
  brokerMs: number | undefined;
}

/**
 * From the first pull's start (after `since`) to the end of the last pull that committed a slice
 * (its last commit landed): what the pulls spent ingesting, without process start-up or the idle
 * timeout of the empty pull that ends the run.
 */
async function ingestSeconds(databaseUrl: string, dataset: string, since: Date): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ first: Date; last: Date }>(
      `SELECT (SELECT min(p.started_at) FROM pull p WHERE p.dataset_id = d.id AND p.started_at >= $2) AS first,
              (SELECT max(p.ended_at) FROM pull p WHERE p.dataset_id = d.id AND p.started_at >= $2 AND p.slices > 0) AS last
       FROM dataset d WHERE d.name = $1`,
      [dataset, since],
    );
    return (rows[0].last.getTime() - rows[0].first.getTime()) / 1000;
  } finally {
    await db.end();
  }
}

async function historyCost(store: Store, port: number) {
  console.log(`\n# History: a 10,000-message pull onto ${fmt(HISTORY)} committed rows vs onto an empty dataset`);
  for (const name of ['bench.history', 'bench.empty']) {
    const manifest = mqttManifest({ name, port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }], fields: BENCH_FIELDS, merge: LEDGER });
    await addDataset({ store, manifest });
    await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 100 } });
  }
  const t = Date.now();
  await prefill(store, 'bench.history', HISTORY, { seenKeys: 'rebuilt' });
  console.log(`prefilled ${fmt(HISTORY)} rows in ${((Date.now() - t) / 1000).toFixed(1)} s (slices through the commit path, seen keys written by a rebuild)`);

  const times: Record<string, number> = {};
  let next = HISTORY + 1; // new keys, after the history
  for (const name of ['bench.empty', 'bench.history']) {
    await publishBacklog(port, `${name}/a`, next, 10_000);
    const since = new Date();
    const r = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 300 } });
    times[name] = await ingestSeconds(store.databaseUrl, name, since);
    if (r.rowsCommitted !== 10_000) throw new Error(`${name}: committed ${r.rowsCommitted} rows`);
    console.log(`pull of 10,000 onto ${label(name)}: ${times[name].toFixed(2)} s`);
  }
  console.log(`RATIO history / empty: ${(times['bench.history'] / times['bench.empty']).toFixed(2)} (target ≤ 1.2)`);

  // The same pulls once more, their statements explained: what the seen keys cost a commit in
  // statements, pages and buckets written, whatever the machine's load.
  next += 10_000;
  for (const name of ['bench.empty', 'bench.history']) {
    await publishBacklog(port, `${name}/a`, next, 10_000);
    const w = await explainedPull(store.databaseUrl, name);
    const per = (n: number) => (n / w.commits).toFixed(1);
    console.log(
      `seen keys per commit onto ${label(name)} (${w.commits} commits): ${per(w.statements)} statements, ` +
        `lookups ${per(w.lookupHit)} pages hit + ${per(w.lookupRead)} read, appends ${per(w.appendHit)} hit + ${per(w.appendRead)} read, ${per(w.bucketsWritten)} buckets written`,
    );
  }
}

const label = (name: string) => (name === 'bench.empty' ? 'an empty dataset' : `${fmt(HISTORY)} rows`);

/**
 * Pulls `name`'s backlog through a fresh store whose connections run auto_explain (ANALYZE, BUFFERS,
 * no timing), and sums the seen-key statements' plans from the server log: shared pages hit and
 * read by the lookups and by the appends (with their splits), and bucket versions written.
 */
async function explainedPull(databaseUrl: string, name: string) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const database = new URL(databaseUrl).pathname.slice(1);
  const settings = { session_preload_libraries: 'auto_explain', 'auto_explain.log_min_duration': '0', 'auto_explain.log_analyze': 'on', 'auto_explain.log_buffers': 'on', 'auto_explain.log_timing': 'off', 'auto_explain.log_format': 'json' };
  try {
    for (const [k, v] of Object.entries(settings)) await db.query(`ALTER DATABASE "${database}" SET ${k} = '${v}'`);
    const log = path.join(path.dirname((await db.query<{ d: string }>("SELECT current_setting('data_directory') AS d")).rows[0].d), 'log');
    const logSize = async () => Number((await db.query<{ size: string }>('SELECT size FROM pg_stat_file($1)', [log])).rows[0].size);
    const from = await logSize();
    const explained = await openStore({ databaseUrl });
    try {
      await runPollingIngest({ store: explained.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 300 } });
    } finally {
      await explained.close();
    }
    for (const k of Object.keys(settings)) await db.query(`ALTER DATABASE "${database}" RESET ${k}`);
    const text = (await db.query<{ t: string }>('SELECT pg_read_file($1, $2, $3) AS t', [log, from, (await logSize()) - from])).rows[0].t;
    const w = { commits: 0, statements: 0, lookupHit: 0, lookupRead: 0, appendHit: 0, appendRead: 0, bucketsWritten: 0 };
    // One log message a line, continued on tab-indented lines: auto_explain's JSON after "plan:".
    for (const message of text.split(/\n(?=\S)/)) {
      const at = message.indexOf('plan:');
      if (at < 0) continue;
      const plan = JSON.parse(message.slice(at + 5).replace(/^\t/gm, '')) as { 'Query Text': string; Plan: Record<string, unknown> };
      const sql = plan['Query Text'];
      if (!sql.includes('seen_key_')) continue;
      const hit = Number(plan.Plan['Shared Hit Blocks'] ?? 0);
      const read = Number(plan.Plan['Shared Read Blocks'] ?? 0);
      w.statements++;
      if (sql.includes('INSERT INTO seen_key_group')) w.commits++;
      if (sql.includes('CROSS JOIN LATERAL') || sql.includes('FROM seen_key_group WHERE')) {
        w.lookupHit += hit;
        w.lookupRead += read;
      } else {
        w.appendHit += hit;
        w.appendRead += read;
      }
      // Bucket versions an append or split wrote: the rows its ModifyTable node on seen_key_bucket emitted.
      if (sql.includes('UPDATE seen_key_bucket') || sql.includes('INSERT INTO seen_key_bucket')) w.bucketsWritten += bucketWrites(plan.Plan);
    }
    return w;
  } finally {
    await db.end();
  }
}

/** Rows written by the plan's ModifyTable nodes (an INSERT's, or a CTE's UPDATE): ON CONFLICT counts what it inserted and updated. */
function bucketWrites(node: Record<string, unknown>): number {
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  let own = 0;
  if (node['Node Type'] === 'ModifyTable') {
    own = node['Conflict Resolution']
      ? Number(node['Tuples Inserted'] ?? 0) + (node['Conflict Resolution'] === 'UPDATE' ? Number(node['Conflicting Tuples'] ?? 0) : 0)
      : Number(children[0]?.['Actual Rows'] ?? 0) * Number(children[0]?.['Actual Loops'] ?? 1);
  }
  return own + children.reduce((n, child) => n + bucketWrites(child), 0);
}

/**
 * Disk per committed row: the growth of every table with its indexes and TOAST (pg_total_relation_size),
 * after VACUUM, when STORAGE_ROWS bench rows are committed through the pull's commit path.
 */
async function storageCost(store: Store, port: number) {
  console.log(`\n# Storage: bytes per committed row (${fmt(STORAGE_ROWS)} rows, all tables, indexes and TOAST, after VACUUM)`);
  const db = new pg.Client({ connectionString: store.databaseUrl });
  await db.connect();
  const total = async () => {
    await db.query('VACUUM ANALYZE');
    const { rows } = await db.query<{ bytes: string }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
    );
    return Number(rows[0].bytes);
  };
  try {
    for (const [label, merge] of [['Append', APPEND], ['Ledger', LEDGER]] as const) {
      const name = `bench.storage-${label.toLowerCase()}`;
      await addDataset({ store, manifest: mqttManifest({ name, port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }], fields: BENCH_FIELDS, merge }) });
      const before = await total();
      await prefill(store, name, STORAGE_ROWS);
      const perRow = ((await total()) - before) / STORAGE_ROWS;
      console.log(`${label.padEnd(7)} ${perRow.toFixed(1)} bytes/row (target ≤ ${label === 'Append' ? 20 : 48})`);
    }
  } finally {
    await db.end();
  }
}

await main();
