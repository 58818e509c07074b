import { SluiceError } from '../errors';
import { findActivePollingSource } from '../odf';
import { snapshotNotStreamable } from '../ingest/follow-pull';
import type { Store } from '../store/open-store';
import { getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';

/** Who may turn streaming on or off: those who manage schedules (maintainers), as it replaces a schedule. */
export const ALWAYS_ON_PERMISSION = { schedule: 'manage' } as const;

/**
 * Makes a dataset always on (streamed by the worker, lib/ingest/always-on-runner.ts) or not
 * (`sluice set --always-on`, the console's Settings, for maintainers). Only an MQTT polling source
 * can be streamed, and not a Snapshot merge (each of its pulls is a whole snapshot); turning it off
 * is always allowed, and the worker stops the run within a round.
 */
export async function setAlwaysOn(store: Pick<Store, 'datasets'>, dataset: DatasetKey, on: boolean): Promise<void> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  if (on) {
    const source = findActivePollingSource(d.snapshot.metadata);
    if (source?.fetch.kind !== 'Mqtt') {
      throw new SluiceError('SOURCE_NOT_PULLABLE', `"${dataset.name}" has no MQTT polling source to stream${source ? '' : ' (a push dataset is folded continuously already)'}`);
    }
    if (source.merge.kind === 'Snapshot') throw snapshotNotStreamable(dataset.name);
  }
  await store.datasets.setAlwaysOn(d.id, on);
}
