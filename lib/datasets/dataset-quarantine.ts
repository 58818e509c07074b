import { payloadView, toHex, type PayloadView } from '../data/payload-view';
import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';

export interface QuarantineEntry {
  id: string;
  pullId: string;
  topic: string;
  qos: number;
  retained: boolean;
  size: number;
  reason: string;
  receivedAt: string;
  /** The payload as JSON or text where it is printable. */
  view: PayloadView;
  hex: string;
}

/** Quarantined payloads not yet discarded, oldest first. */
export async function listDatasetQuarantine(store: Store, dataset: DatasetKey): Promise<QuarantineEntry[]> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  return (await store.datasets.quarantine(d.id)).map((q) => ({
    id: q.id.toString(),
    pullId: q.pullId,
    topic: q.topic,
    qos: q.qos,
    retained: q.retained,
    size: q.payload.length,
    reason: q.reason,
    receivedAt: q.receivedAt.toISOString(),
    view: payloadView(q.payload),
    hex: toHex(q.payload, 4096),
  }));
}
