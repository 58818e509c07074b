import { createHash } from 'node:crypto';
import { chainBlocks, type MetadataEventJson } from '../chain/metadata-block';
import { newDatasetId } from '../chain/dataset-id';
import { SluiceError } from '../errors';
import { DEFAULT_WORKSPACE, formatDatasetRef } from './dataset-ref';
import { parseManifest, type DatasetSnapshot } from '../odf';
import type { Store } from '../store/open-store';
import { movePasswordToSecret, PASSWORD_SECRET } from './password-secret';

export interface AddDatasetArgs {
  store: Pick<Store, 'datasets' | 'secrets'>;
  /** Manifest text (YAML or JSON); parse errors throw ManifestError with line and column. */
  manifest: string;
  /** Replace an existing dataset of the same name (its data and chain are dropped). */
  replace?: boolean;
  /** The workspace's slug (default: the default workspace). */
  workspace?: string;
  now?: Date;
}

/**
 * Adds a dataset from a Kamu `DatasetSnapshot`, as `kamu add` does: a Seed block, then one block per
 * manifest event. A broker password in clear becomes the dataset secret MQTT_PASSWORD. The MQTT client id derives from the dataset name, so `--replace` keeps the
 * broker session (and its queued messages) of the dataset it replaces.
 */
export async function addDataset(args: AddDatasetArgs): Promise<{ id: string; name: string; ref: string; snapshot: DatasetSnapshot }> {
  const { snapshot, password } = movePasswordToSecret(parseManifest(args.manifest));
  const { datasets } = args.store;
  const ref = formatDatasetRef({ workspace: args.workspace ?? DEFAULT_WORKSPACE, name: snapshot.name });
  const existing = await datasets.find(ref);
  if (existing && !args.replace) {
    throw new SluiceError('DATASET_EXISTS', `dataset "${ref}" already exists (use --replace to replace it)`);
  }
  const id = newDatasetId();
  const events: MetadataEventJson[] = [
    { kind: 'Seed', datasetId: id, datasetKind: snapshot.kind },
    ...(snapshot.metadata as MetadataEventJson[]),
  ];
  const blocks = chainBlocks(undefined, events, args.now ?? new Date());
  await datasets.create({
    id,
    name: snapshot.name,
    workspace: args.workspace ?? DEFAULT_WORKSPACE,
    snapshot,
    blocks,
    mqttClientId: mqttClientIdFor(ref),
    replace: !!args.replace,
  });
  if (password !== undefined) {
    const d = (await datasets.find(ref))!;
    await args.store.secrets.set({ workspaceId: d.workspaceId, datasetId: id, name: PASSWORD_SECRET, value: password });
  }
  return { id, name: snapshot.name, ref, snapshot };
}

/**
 * `sluice-` + 16 hex chars: stable per dataset reference (bare names in the default workspace, so
 * datasets from before workspaces keep their broker sessions) and within the 23 characters MQTT
 * 3.1.1 guarantees.
 */
export function mqttClientIdFor(ref: string): string {
  return `sluice-${createHash('sha256').update(ref).digest('hex').slice(0, 16)}`;
}
