/**
 * npm run bench:start — how long `npm start` (node bin/sluice.mjs start) takes until the console
 * answers, as a newcomer meets it:
 *
 * - first start: no console build (`.next` removed, so this checkout's build is made again) and an
 *   empty data directory (the embedded database is created and migrated, the demo dataset added);
 * - later starts (median of BENCH_RUNS, default 3): the same checkout and data directory, nothing
 *   changed.
 *
 * Each start runs on free ports and a throwaway data directory, is timed from the process's spawn
 * to its "Sluice console: <url>" line (printed once the console answers; an HTTP request to it is
 * then made to check), and is stopped with SIGINT, as Ctrl+C does. Targets: first ≤ 90 s, later
 * ≤ 10 s. The load average is printed with each figure: on a shared machine it moves them most.
 * BENCH_START_COLD=0 keeps the current build and times only later starts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '../test/support/free-port';

const ROOT = path.resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COLD = process.env.BENCH_START_COLD !== '0';
const { DATABASE_URL: _db, SLUICE_BROKER_URL: _broker, ...BASE_ENV } = process.env;

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** Seconds from spawning `sluice start` to its console answering; stops it again with SIGINT. */
async function timedStart(dataDir: string): Promise<number> {
  const [port, mqtt, ws] = await freePorts(3);
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/sluice.mjs'), 'start'], {
    cwd: ROOT,
    env: { ...BASE_ENV, PORT: String(port), SLUICE_MQTT_PORT: String(mqtt), SLUICE_MQTT_WS_PORT: String(ws), SLUICE_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const m = output.match(/Sluice console: (\S+)/);
      if (m) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`sluice start ended before the console answered:\n${output}`)));
  });
  const seconds = (performance.now() - t0) / 1000;
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status >= 500) throw new Error(`the console answered ${res.status}`);
  child.kill('SIGINT');
  await exited;
  if (!output.includes('Sluice stopped.')) throw new Error(`sluice start did not say it stopped:\n${output}`);
  return seconds;
}

function verdict(seconds: number, target: number): string {
  return `${seconds.toFixed(1).padStart(6)} s  target ≤ ${target} s: ${seconds <= target ? 'met' : 'MISSED'}`;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-start-'));
  try {
    console.log(`# npm start until the console answers (${os.cpus().length} CPUs)`);
    if (COLD) {
      fs.rmSync(path.join(ROOT, '.next'), { recursive: true, force: true });
      const before = load();
      const first = await timedStart(dataDir);
      console.log(`first start (console built, database created)   ${verdict(first, 90)}  (load ${before} → ${load()})`);
    } else {
      await timedStart(dataDir); // the build and the database, made once outside the figures
    }
    const later: number[] = [];
    const before = load();
    for (let i = 0; i < RUNS; i++) later.push(await timedStart(dataDir));
    const median = [...later].sort((a, b) => a - b)[Math.floor(later.length / 2)];
    console.log(`later start (median of ${RUNS}: ${later.map((s) => s.toFixed(1)).join(', ')})`.padEnd(48) + ` ${verdict(median, 10)}  (load ${before} → ${load()})`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
