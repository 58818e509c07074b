import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time the servers a benchmark started spend (Mosquitto, Postgres), read from /proc: with the
 * pull's own, it says how much of the machine a pull keeps busy, so a rate can be judged against
 * the cores it had. Linux only; undefined elsewhere.
 */

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux). */
const TICKS_PER_S = 100;

/** The pid listening on a loopback TCP port, from `ss`. */
export function listenerPid(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU milliseconds of `pid` and its descendants so far, including those that exited (their time
 * moves to their parent's cutime/cstime once reaped): sampled before and after, the difference is
 * what the process tree spent between, Postgres backends that came and went included.
 */
export function treeCpuMs(pid: number): number | undefined {
  const own = statFields(pid);
  if (!own) return undefined;
  // After ')': state is field 0, utime 11, stime 12, cutime 13, cstime 14.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const child of childrenOf(pid)) ticks += liveTicks(child);
  return (ticks * 1000) / TICKS_PER_S;
}

/** utime + stime of a live descendant and its own live descendants (exited ones are in `pid`'s c-times once reaped). */
function liveTicks(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const child of childrenOf(pid)) ticks += liveTicks(child);
  return ticks;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (children) out.push(...children.split(' ').map(Number));
    }
  } catch {
    /* gone, or /proc without children files */
  }
  return out;
}
