import { stringify } from 'yaml';
import { describeBlockEvent } from '../chain/describe-block';
import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';

export interface HistoryBlock {
  sequenceNumber: number;
  hash: string;
  prevHash: string | null;
  systemTime: string;
  kind: string;
  summary: string;
  /** The block's event as YAML, as Kamu's `log --output-format yaml` shows it. */
  yaml: string;
}

/** The metadata chain, newest block first. */
export async function getDatasetHistory(store: Store, dataset: DatasetKey): Promise<HistoryBlock[]> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  const blocks = await store.datasets.blocks(d.id);
  return blocks.reverse().map((b) => ({
    sequenceNumber: b.sequenceNumber,
    hash: b.hash,
    prevHash: b.prevHash,
    systemTime: b.systemTime.toISOString(),
    kind: b.event.kind,
    summary: describeBlockEvent(b.event),
    yaml: stringify({ systemTime: b.systemTime.toISOString(), prevBlockHash: b.prevHash ?? undefined, sequenceNumber: b.sequenceNumber, event: b.event }),
  }));
}
