import { runPollingIngest, type PullResult, type RunPollingIngestArgs } from './run-polling-ingest';

export interface CaughtUpResult extends Omit<PullResult, 'pullId' | 'hasMore'> {
  pulls: number;
}

/**
 * Pulls again while the previous pull stopped at its record cap (Kamu's `exhaust_sources`), so a
 * backlog larger than one pull is drained, each pull a bounded, separately committed unit.
 */
export async function pullUntilCaughtUp(args: RunPollingIngestArgs & { maxPulls?: number }): Promise<CaughtUpResult> {
  let total: CaughtUpResult | undefined;
  for (let i = 0; i < (args.maxPulls ?? Infinity); i++) {
    const r = await runPollingIngest(args);
    total = total
      ? {
          ...total,
          status: total.status === 'updated' || r.status === 'updated' ? 'updated' : 'up_to_date',
          newHead: r.newHead,
          pulls: total.pulls + 1,
          messagesReceived: total.messagesReceived + r.messagesReceived,
          rowsCommitted: total.rowsCommitted + r.rowsCommitted,
          quarantined: total.quarantined + r.quarantined,
          duplicates: total.duplicates + r.duplicates,
          slices: total.slices + r.slices,
        }
      : { ...r, pulls: 1 };
    if (!r.hasMore) break;
  }
  return total!;
}
