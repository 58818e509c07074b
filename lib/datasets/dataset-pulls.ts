import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';
import { describeQosDowngrades } from '../ingest/delivery-guarantee';
import type { QosDowngrade } from '../ingest/fetch/mqtt-session';

export interface PullRecord {
  id: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  status: string;
  messagesReceived: number;
  rowsCommitted: number;
  quarantined: number;
  duplicates: number;
  slices: number;
  hasMore: boolean;
  /** What the broker's lower QoS grants mean for this dataset, one sentence per filter. */
  qosNotes: string[];
  errorCode: string | null;
  error: string | null;
}

/** The dataset's pull records, newest first. */
export async function listDatasetPulls(store: Store, dataset: DatasetKey, take = 100): Promise<PullRecord[]> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  return (await store.datasets.pulls(d.id, take)).map((p) => ({
    id: p.id,
    startedAt: p.startedAt.toISOString(),
    endedAt: p.endedAt?.toISOString() ?? null,
    durationMs: p.endedAt ? p.endedAt.getTime() - p.startedAt.getTime() : null,
    status: p.status,
    messagesReceived: p.messagesReceived,
    rowsCommitted: p.rowsCommitted,
    quarantined: p.quarantined,
    duplicates: p.duplicates,
    slices: p.slices,
    hasMore: p.hasMore,
    qosNotes: describeQosDowngrades(d.snapshot, (p.qosDowngrades as QosDowngrade[] | null) ?? []),
    errorCode: p.errorCode,
    error: p.error,
  }));
}
