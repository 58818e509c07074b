import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';

/** What the dataset page shows of an always-on dataset's stream, refreshed while it is open (plain values). */
export interface DatasetLive {
  alwaysOn: boolean;
  /** Since when a run holds the dataset (the always-on runner, or a `pull --follow`), or null. */
  streamingSince: string | null;
  /**
   * Since when that run's broker session is open (subscribed), or null: connecting, or reconnecting
   * after the broker went away. Only then does what a device publishes reach the dataset.
   */
  connectedSince: string | null;
  /** Why that run has no session open, while it waits to connect again (a broker that is down, refused it…), or null. */
  waitingOn: { code: string; message: string } | null;
  /** Committed rows: successive samples give the rate. */
  rows: string;
  lastCommitAt: string | null;
  /** The server's clock, so "seconds ago" does not depend on the browser's. */
  now: string;
}

export async function getDatasetLive(store: Pick<Store, 'datasets'>, dataset: DatasetKey): Promise<DatasetLive> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  const [[latest], holder, lastCommitAt] = await Promise.all([store.datasets.pulls(d.id, 1), store.datasets.leaseHolder(d.id), store.datasets.lastCommitAt(d.id)]);
  // A run streams while its record says running and it holds the lease: a process killed mid-run
  // leaves its record running, but its lease expires within seconds.
  const streaming = latest?.status === 'running' && latest.id === holder ? latest : undefined;
  return {
    alwaysOn: d.alwaysOn,
    streamingSince: streaming?.startedAt.toISOString() ?? null,
    connectedSince: streaming?.connectedAt?.toISOString() ?? null,
    waitingOn: streaming && !streaming.connectedAt && streaming.errorCode ? { code: streaming.errorCode, message: streaming.error ?? '' } : null,
    rows: d.rows.toString(),
    lastCommitAt: lastCommitAt?.toISOString() ?? null,
    now: new Date().toISOString(),
  };
}
