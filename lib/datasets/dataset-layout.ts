import { SluiceError } from '../errors';
import { effectiveVocab, type DataSchema, type DatasetSnapshot } from '../odf';
import { layoutFromDataSchema, type SliceLayout } from '../ingest/slice-layout';

/** The committed layout of a dataset, or undefined before its first data commit. */
export function committedLayout(d: { snapshot: DatasetSnapshot; dataSchema: DataSchema | null }): SliceLayout | undefined {
  return d.dataSchema ? layoutFromDataSchema(d.dataSchema, effectiveVocab(d.snapshot.metadata)) : undefined;
}

export async function getDatasetOrThrow<T>(find: (name: string) => Promise<T | undefined>, name: string): Promise<T> {
  const d = await find(name);
  if (!d) throw new SluiceError('DATASET_NOT_FOUND', `no dataset named "${name}" (see \`sluice list\`)`);
  return d;
}
