import { SluiceError } from '../errors';
import { findActivePollingSource } from '../odf';
import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';
import type { SnapshotScope } from './snapshot-scope';

/**
 * Sets what a Snapshot pull of the dataset takes as its snapshot (the CLI's `sluice set
 * --snapshot-scope`, the console's Edit tab). `topic` only means something to a Snapshot merge, so
 * it is refused for a dataset whose manifest merges otherwise; `pull`, the default, is always allowed.
 */
export async function setSnapshotScope(store: Pick<Store, 'datasets'>, dataset: DatasetKey, scope: SnapshotScope): Promise<void> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  if (scope === 'topic') assertSnapshotMerge(d.snapshot.metadata, dataset.name);
  await store.datasets.setSnapshotScope(d.id, scope);
}

/** Refuses the `topic` scope for a manifest whose polling source does not merge by Snapshot. */
export function assertSnapshotMerge(metadata: Parameters<typeof findActivePollingSource>[0], name: string): void {
  const merge = findActivePollingSource(metadata)?.merge.kind;
  if (merge !== 'Snapshot') {
    throw new SluiceError('INVALID_INPUT', `the snapshot scope "topic" applies to Snapshot merges; "${name}" ${merge ? `merges by ${merge}` : 'has no polling source'}`);
  }
}
