import { SluiceError } from '../errors';
import type { DatasetKey } from './dataset-key';
import type { DataSchema } from '../odf/data-type';
import type { DatasetSnapshot } from '../odf/manifest-schema';
import { effectiveVocab } from '../odf/mqtt-source';
import { layoutFromDataSchema, type SliceLayout } from '../ingest/slice-layout';

/** The committed layout of a dataset, or undefined before its first data commit. */
export function committedLayout(d: { snapshot: DatasetSnapshot; dataSchema: DataSchema | null }): SliceLayout | undefined {
  return d.dataSchema ? layoutFromDataSchema(d.dataSchema, effectiveVocab(d.snapshot.metadata)) : undefined;
}

/** The dataset of `key`, or DATASET_NOT_FOUND. */
export async function getDatasetOrThrow<T>(datasets: { find(key: DatasetKey): Promise<T | undefined> }, key: DatasetKey): Promise<T> {
  const d = await datasets.find(key);
  if (!d) throw new SluiceError('DATASET_NOT_FOUND', `no dataset named "${key.name}" (see \`sluice list\`)`);
  return d;
}
