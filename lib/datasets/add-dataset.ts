import { createHash } from 'node:crypto';
import { chainBlocks, type MetadataEventJson } from '../chain/metadata-block';
import { newDatasetId } from '../chain/dataset-id';
import { SluiceError } from '../errors';
import { accountRefused, DEFAULT_WORKSPACE, DEFAULT_WORKSPACE_ID, datasetKey, type DatasetKey } from './dataset-key';
import { parseManifest, splitDatasetAlias, type DatasetSnapshot } from '../odf';
import type { Store } from '../store/open-store';
import { checkMqttSource } from './check-source';
import { assertSnapshotMerge } from './set-snapshot-scope';
import type { SnapshotScope } from './snapshot-scope';
import { movePasswordToSecret, PASSWORD_SECRET, passwordSecretBrokers } from './password-secret';

/** A workspace a dataset is added to. */
export interface WorkspaceTarget {
  id: string;
  slug: string;
}

export interface AddDatasetArgs {
  store: Pick<Store, 'datasets' | 'secrets'>;
  /** Manifest text (YAML or JSON); parse errors throw ManifestError with line and column. */
  manifest: string;
  /** The line of a larger text (a multi-document stream) where `manifest` starts, for error positions. */
  firstLine?: number;
  /** Replace an existing dataset of the same name (its data and chain are dropped). */
  replace?: boolean;
  /** What a Snapshot pull takes as the snapshot; default `pull`, or the replaced dataset's. */
  snapshotScope?: SnapshotScope;
  /**
   * The workspace the dataset goes to, decided by the caller: `account` is the manifest's account
   * when its name is Kamu's `account/name` ("this account's dataset"), else undefined. Throws when
   * the caller may not create datasets there, so nothing is stored. Default: the default workspace.
   */
  workspaceFor?: (account: string | undefined) => Promise<WorkspaceTarget>;
  now?: Date;
}

export interface AddedDataset {
  id: string;
  key: DatasetKey;
  /** The workspace's slug. */
  workspace: string;
  snapshot: DatasetSnapshot;
}

/**
 * Adds a dataset from a Kamu `DatasetSnapshot`, as `kamu add` does: a Seed block, then one block per
 * manifest event. The MQTT source is checked as a pull would check it (checkMqttSource) first. A
 * broker password in clear becomes the dataset secret MQTT_PASSWORD. The MQTT client id derives from
 * the workspace and name, so `--replace` keeps the broker session (and its queued messages) of the
 * dataset it replaces; what that dataset already received goes with its data. The stored manifest
 * names the dataset without an account: the workspace holds it, and an export imports anywhere.
 */
export async function addDataset(args: AddDatasetArgs): Promise<AddedDataset> {
  const parsed = movePasswordToSecret(parseManifest(args.manifest, { firstLine: args.firstLine }));
  const { account, name } = splitDatasetAlias(parsed.snapshot.name);
  const workspace = await (args.workspaceFor ?? inDefaultWorkspace)(account);
  const key = datasetKey(workspace.id, name);
  const snapshot: DatasetSnapshot = { ...parsed.snapshot, name };
  // What a pull would refuse about the source is refused here, for the console and the CLI alike.
  checkMqttSource(snapshot, null);
  if (args.snapshotScope === 'topic') assertSnapshotMerge(snapshot.metadata, name);
  const { datasets } = args.store;
  if (!args.replace && (await datasets.find(key))) {
    throw new SluiceError('DATASET_EXISTS', `dataset "${name}" already exists in workspace "${workspace.slug}" (use --replace to replace it)`);
  }
  const id = newDatasetId();
  const events: MetadataEventJson[] = [
    { kind: 'Seed', datasetId: id, datasetKind: snapshot.kind },
    ...(snapshot.metadata as MetadataEventJson[]),
  ];
  const blocks = chainBlocks(undefined, events, args.now ?? new Date());
  await datasets.create({ id, key, snapshot, blocks, mqttClientId: mqttClientIdFor(workspace.id, name), replace: !!args.replace, snapshotScope: args.snapshotScope });
  if (parsed.password !== undefined) {
    await args.store.secrets.set({ workspaceId: workspace.id, datasetId: id, name: PASSWORD_SECRET, value: parsed.password, brokers: passwordSecretBrokers(snapshot) });
  }
  return { id, key, workspace: workspace.slug, snapshot };
}

/** Bare names go to the default workspace; a manifest naming another account is refused. */
export async function inDefaultWorkspace(account: string | undefined): Promise<WorkspaceTarget> {
  if (account !== undefined && account !== DEFAULT_WORKSPACE) throw accountRefused(account, DEFAULT_WORKSPACE);
  return { id: DEFAULT_WORKSPACE_ID, slug: DEFAULT_WORKSPACE };
}

/**
 * `sluice-` + 16 hex chars of the dataset's workspace id and name (the bare name in the default
 * workspace, so datasets from before workspaces keep their broker sessions): stable per dataset,
 * within the 23 characters MQTT 3.1.1 guarantees, and never re-derivable by another workspace —
 * a slug can be changed or freed and taken again, a workspace id cannot, so nobody can take over
 * another dataset's broker session (and its queued messages) by recreating its name.
 */
export function mqttClientIdFor(workspaceId: string, name: string): string {
  const label = workspaceId === DEFAULT_WORKSPACE_ID ? name : `${workspaceId}/${name}`;
  return `sluice-${createHash('sha256').update(label).digest('hex').slice(0, 16)}`;
}
