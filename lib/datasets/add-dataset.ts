import { createHash } from 'node:crypto';
import { chainBlocks, type MetadataEventJson } from '../chain/metadata-block';
import { newDatasetId } from '../chain/dataset-id';
import { SluiceError } from '../errors';
import { parseManifest, type DatasetSnapshot } from '../odf';
import type { DatasetRepository } from '../store/dataset-repository';

export interface AddDatasetArgs {
  datasets: DatasetRepository;
  /** Manifest text (YAML or JSON); parse errors throw ManifestError with line and column. */
  manifest: string;
  /** Replace an existing dataset of the same name (its data and chain are dropped). */
  replace?: boolean;
  now?: Date;
}

/**
 * Adds a dataset from a Kamu `DatasetSnapshot`, as `kamu add` does: a Seed block, then one block per
 * manifest event. The MQTT client id derives from the dataset name, so `--replace` keeps the
 * broker session (and its queued messages) of the dataset it replaces.
 */
export async function addDataset(args: AddDatasetArgs): Promise<{ id: string; name: string; snapshot: DatasetSnapshot }> {
  const snapshot = parseManifest(args.manifest);
  const existing = await args.datasets.find(snapshot.name);
  if (existing && !args.replace) {
    throw new SluiceError('DATASET_EXISTS', `dataset "${snapshot.name}" already exists (use --replace to replace it)`);
  }
  const id = newDatasetId();
  const events: MetadataEventJson[] = [
    { kind: 'Seed', datasetId: id, datasetKind: snapshot.kind },
    ...(snapshot.metadata as MetadataEventJson[]),
  ];
  const blocks = chainBlocks(undefined, events, args.now ?? new Date());
  await args.datasets.create({ id, name: snapshot.name, snapshot, blocks, mqttClientId: mqttClientIdFor(snapshot.name), replace: !!args.replace });
  return { id, name: snapshot.name, snapshot };
}

/** `sluice-` + 16 hex chars: stable per dataset name and within the 23 characters MQTT 3.1.1 guarantees. */
export function mqttClientIdFor(name: string): string {
  return `sluice-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}
