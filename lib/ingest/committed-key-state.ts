import type { Row } from '../data/row';
import type { DatasetKey } from '../datasets/dataset-key';
import { SluiceError } from '../errors';
import { datasetSource, effectiveVocab, type DatasetSnapshot } from '../odf';
import type { MergeStrategyConfig } from './merge/merge-strategy';
import { readStepConfig } from './mqtt-source-config';
import type { IngestStore, JsonRow } from './ports';
import { pushSourceConfig } from './push-source-config';
import { findSeenKeys, KeyPositions, storedSeenKeyOrder } from './seen-keys';
import { configureSchema, type IngestSourceConfig } from './slice-writer';
import { fromStagedRow } from './stage-slice';

/**
 * The committed key state of `keys` (or of every key) as the next pull's merge starts from it, for
 * the preview's "what the next pull would commit": a Ledger's seen keys (position groups confirmed
 * against their slices, read in the order the stored state has, see seen-keys.ts; no values), the
 * current row of each key for the others.
 * Reads no secret: only the source's read and merge steps are needed.
 */
export async function committedKeyState(store: IngestStore, dataset: DatasetKey, keys: string[] | 'all'): Promise<Map<string, JsonRow | null>> {
  const head = await store.getDatasetHead(dataset);
  if (!head) throw new SluiceError('DATASET_NOT_FOUND', `no dataset named "${dataset.name}"`);
  const source = mergeSourceOf(head.snapshot);
  if (source?.merge.kind !== 'Ledger' || keys === 'all') return store.loadKeyState(head.num, keys);
  const readSchema = source.readSchema ?? head.inferredReadSchema ?? undefined;
  if (!readSchema) return new Map();
  const { strategy, layout } = configureSchema(readSchema, source, head);
  const seen = await findSeenKeys({
    store,
    datasetNum: head.num,
    strategy,
    positions: new KeyPositions(storedSeenKeyOrder(strategy, head.stateSignature)),
    keys,
    rowsOf: async (group) => {
      const rows: Row[] = [];
      const range = { fromOffset: group.offsetStart, toOffset: group.offsetStart + BigInt(group.rowCount) };
      for await (const batch of store.readRows(head.num, range)) for (const r of batch) rows.push(fromStagedRow(r, layout));
      return rows;
    },
  });
  return new Map([...seen].map((k) => [k, null]));
}

/** A dataset's read and merge steps, from its MQTT polling source or its push source. */
function mergeSourceOf(snapshot: DatasetSnapshot): IngestSourceConfig | undefined {
  const found = datasetSource(snapshot);
  if (found.kind === 'push') return pushSourceConfig(snapshot);
  if (found.kind !== 'polling' || found.source.fetch.kind !== 'Mqtt') return undefined;
  return {
    ...readStepConfig(snapshot.name, found.source.read),
    topics: [],
    merge: found.source.merge as MergeStrategyConfig,
    vocab: effectiveVocab(snapshot.metadata),
  };
}
