import { SluiceError } from '../errors';
import type { DatasetKey } from './dataset-key';
import type { DataSchema } from '../odf/data-type';
import type { DatasetSnapshot } from '../odf/manifest-schema';
import { effectiveReadSchema } from '../odf/ddl';
import { DdlSchemaError } from '../odf/errors';
import { effectiveVocab, findActivePollingSource, findActivePushSource } from '../odf/mqtt-source';
import { layoutFromDataSchema, layoutFromReadSchema, type SliceLayout } from '../ingest/slice-layout';

/** The committed layout of a dataset, or undefined before its first data commit. */
export function committedLayout(d: { snapshot: DatasetSnapshot; dataSchema: DataSchema | null }): SliceLayout | undefined {
  return d.dataSchema ? layoutFromDataSchema(d.dataSchema, effectiveVocab(d.snapshot.metadata)) : undefined;
}

/**
 * The columns a dataset has or will have: the committed layout; before the first data commit, the
 * one its first commit will set, where the manifest's read schema declares it (Sluice runs no
 * preprocess step, so the read schema is the output's); else the system columns alone (a schema to
 * be inferred from the first messages, or a source Sluice does not pull). For readers that must
 * name columns before there are rows: an empty export's CSV header and Parquet schema.
 */
export function expectedLayout(d: { snapshot: DatasetSnapshot; dataSchema: DataSchema | null }): SliceLayout {
  const committed = committedLayout(d);
  if (committed) return committed;
  const vocab = effectiveVocab(d.snapshot.metadata);
  const source = findActivePollingSource(d.snapshot.metadata) ?? findActivePushSource(d.snapshot.metadata);
  try {
    const declared = source && effectiveReadSchema(source.read);
    if (declared) return layoutFromReadSchema(declared, vocab);
  } catch (err) {
    // A read schema a pull would refuse (a source Sluice does not pull keeps its own): no data can follow it.
    if (!(err instanceof SluiceError) && !(err instanceof DdlSchemaError)) throw err;
  }
  return layoutFromReadSchema({ fields: [] }, vocab);
}

/** The dataset of `key`, or DATASET_NOT_FOUND. */
export async function getDatasetOrThrow<T>(datasets: { find(key: DatasetKey): Promise<T | undefined> }, key: DatasetKey): Promise<T> {
  const d = await datasets.find(key);
  if (!d) throw new SluiceError('DATASET_NOT_FOUND', `no dataset named "${key.name}" (see \`sluice list\`)`);
  return d;
}
