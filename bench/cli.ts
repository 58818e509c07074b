/**
 * npm run bench:cli — how long `sluice` takes to answer, as a user runs it (node bin/sluice.mjs,
 * which node_modules/.bin/sluice and `npx sluice` run), each figure the median of BENCH_RUNS runs
 * (default 7) next to its target, with the CPU time it used (user + system, from /proc on Linux:
 * on a busy machine the wall time adds the wait for a free core, the CPU time does not):
 *
 * - `node -e 0`: the floor, Node itself on this machine right now (a busy machine raises every row);
 * - `sluice --help`, and the same through `npx sluice --help`;
 * - `sluice list` on the embedded database, alone (the command opens PGlite itself) and while another
 *   process owns it (as while `npm start` runs: here `sluice worker`, which serves it the same way);
 * - `sluice list` on a throwaway real PostgreSQL server.
 *
 * The CLI is compiled first if it is not current, so no row includes a compilation.
 * BENCH_CHECKOUT=<dir> measures another checkout's bin/sluice.mjs instead (e.g. an older commit,
 * for a before/after), as it is.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildCli, currentBuild } from '../bin/cli-build.mjs';
import { startPostgres } from '../test/support/postgres-server';

const ROOT = path.resolve(process.env.BENCH_CHECKOUT ?? path.join(import.meta.dirname, '..'));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SLUICE = path.join(ROOT, 'bin/sluice.mjs');
/** This environment without DATABASE_URL: the embedded database unless a row names a server. */
const { DATABASE_URL: _ignored, ...BASE_ENV } = process.env;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * CPU seconds used by this process's finished children (and theirs): cutime + cstime of
 * /proc/self/stat, in clock ticks (100 a second on Linux); undefined elsewhere.
 */
function childCpuSeconds(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

interface Timing {
  wall: number;
  cpu?: number;
}

/** Medians of `command args`'s wall and CPU time in seconds; every run must succeed. */
function time(command: string, args: string[], env: Record<string, string> = {}): Timing {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpu = childCpuSeconds();
    const t = performance.now();
    const r = spawnSync(command, args, { cwd: ROOT, env: { ...BASE_ENV, ...env }, encoding: 'utf8' });
    walls.push((performance.now() - t) / 1000);
    if (cpu !== undefined) cpus.push(childCpuSeconds()! - cpu);
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  return { wall: median(walls), cpu: cpus.length ? median(cpus) : undefined };
}

function row(what: string, { wall, cpu }: Timing, target?: number): void {
  const verdict = target === undefined ? '' : `target ≤ ${target} s: ${wall <= target ? 'met' : 'MISSED'}`;
  const cpuText = cpu === undefined ? '' : `(CPU ${cpu.toFixed(2)} s)`;
  console.log(`${what.padEnd(54)} ${wall.toFixed(2).padStart(6)} s  ${cpuText.padEnd(16)} ${verdict}`);
}

async function main() {
  if (!process.env.BENCH_CHECKOUT && !currentBuild(ROOT)) await buildCli(ROOT);
  console.log(`# sluice CLI start-up (${ROOT}): medians of ${RUNS} runs (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${os.cpus().length} CPUs)`);
  row('node -e 0 (the floor)', time(process.execPath, ['-e', '0']));
  row('sluice --help', time(process.execPath, [SLUICE, '--help']), 0.3);
  // Another checkout's npx might install itself (what older ones did), so only this one's is timed.
  if (process.env.BENCH_CHECKOUT) console.log('npx sluice --help: not measured for BENCH_CHECKOUT');
  else if (fs.existsSync(path.join(ROOT, 'node_modules/.bin/sluice'))) row('npx sluice --help', time('npx', ['sluice', '--help']));
  else console.log('npx sluice --help: skipped (node_modules/.bin/sluice missing: run npm install)');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-cli-'));
  const embedded = { SLUICE_DATA_DIR: dataDir };
  try {
    time(process.execPath, [SLUICE, 'migrate'], embedded); // creates the database once, outside the figures
    row('sluice list, embedded, no other process', time(process.execPath, [SLUICE, 'list'], embedded));
    const owner = spawn(process.execPath, [SLUICE, 'worker'], { cwd: ROOT, env: { ...BASE_ENV, ...embedded }, stdio: 'ignore' });
    try {
      await until(() => fs.existsSync(path.join(dataDir, 'db/server.json')));
      row('sluice list, embedded, served by a running process', time(process.execPath, [SLUICE, 'list'], embedded), 1);
    } finally {
      owner.kill('SIGTERM');
      await new Promise((resolve) => owner.once('exit', resolve));
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const server = await startPostgres();
  try {
    const real = { DATABASE_URL: server.adminUrl };
    time(process.execPath, [SLUICE, 'migrate'], real);
    row('sluice list, real PostgreSQL', time(process.execPath, [SLUICE, 'list'], real), 0.5);
  } finally {
    server.stop();
  }
}

async function until(ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting for the embedded database owner');
    await delay(50);
  }
}

await main();
