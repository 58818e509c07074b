import type { QosDowngrade } from './fetch/mqtt-session';
import { sumCounters, zeroCounters, type PullCounters } from './ports';
import { runPollingIngest, type PullProgress, type PullResult, type RunPollingIngestArgs } from './run-polling-ingest';

export interface CaughtUpResult extends Omit<PullResult, 'pullId' | 'hasMore'> {
  pulls: number;
}

/** Progress across the pulls: counters are totals so far; `pulls` counts the pull under way. */
export interface CaughtUpProgress extends PullProgress {
  pulls: number;
}

/**
 * Pulls again while the previous pull stopped at its record cap (Kamu's `exhaust_sources`), so a
 * backlog larger than one pull is drained, each pull a bounded, separately committed unit.
 */
export async function pullUntilCaughtUp(
  args: Omit<RunPollingIngestArgs, 'onProgress'> & { maxPulls?: number; onProgress?: (progress: CaughtUpProgress) => void },
): Promise<CaughtUpResult> {
  let done: PullCounters = zeroCounters();
  let updated = false;
  let first: PullResult | undefined;
  let last: PullResult | undefined;
  let pulls = 0;
  // Each filter once, as the last pull's session holds it.
  const downgrades = new Map<string, QosDowngrade>();
  while (pulls < (args.maxPulls ?? Infinity)) {
    pulls++;
    const before = done;
    const onProgress = args.onProgress && ((p: PullProgress) => args.onProgress!({ ...p, ...sumCounters(before, p), pulls }));
    const r = await runPollingIngest({ ...args, onProgress });
    done = sumCounters(done, r);
    updated ||= r.status === 'updated';
    first ??= r;
    last = r;
    for (const d of r.qosDowngrades) downgrades.set(d.path, d);
    if (!r.hasMore) break;
  }
  return { ...done, status: updated ? 'updated' : 'up_to_date', oldHead: first!.oldHead, newHead: last!.newHead, qosDowngrades: [...downgrades.values()], pulls };
}
