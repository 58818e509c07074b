import { chainBlocks, type MetadataEventJson } from '../chain/metadata-block';
import { canonicalJson } from '../data/canonical-json';
import { SluiceError } from '../errors';
import { parseManifest, splitDatasetAlias } from '../odf';
import type { DatasetKey } from './dataset-key';
import type { Store } from '../store/open-store';
import { movePasswordToSecret, PASSWORD_SECRET, passwordSecretBrokers } from './password-secret';
import { checkMqttSource, checkSourceBroker } from './check-source';
import { getDatasetOrThrow } from './dataset-layout';

/**
 * Edits a dataset's manifest the way Kamu evolves a dataset: every event whose content changed
 * (a new SetPollingSource, SetVocab, SetInfo, …) is appended to the chain as a new block, so the
 * history of configurations is kept and the data stays. Returns the kinds appended (none: nothing
 * changed). The dataset's name and kind cannot change. A broker password in clear becomes (or
 * replaces) the dataset secret MQTT_PASSWORD.
 */
export async function updateDatasetManifest(args: { store: Pick<Store, 'datasets' | 'secrets'>; dataset: DatasetKey; manifest: string; now?: Date }): Promise<{ appended: string[] }> {
  const parsed = movePasswordToSecret(parseManifest(args.manifest));
  const { password } = parsed;
  const { datasets, secrets } = args.store;
  const d = await getDatasetOrThrow(datasets, args.dataset);
  const { account, name } = splitDatasetAlias(parsed.snapshot.name);
  if (name !== d.name || (account !== undefined && account !== d.workspace)) {
    throw new SluiceError('INVALID_INPUT', `the manifest names "${parsed.snapshot.name}"; a dataset cannot be renamed or moved (create a new one instead)`);
  }
  const snapshot = { ...parsed.snapshot, name };
  if (snapshot.kind !== d.snapshot.kind) throw new SluiceError('INVALID_INPUT', `a ${d.snapshot.kind} dataset cannot become ${snapshot.kind}`);
  checkMqttSource(snapshot, d.dataSchema);
  await checkSourceBroker(snapshot);

  const current = new Map<string, string>();
  for (const e of d.snapshot.metadata) current.set(e.kind, canonicalJson(e));
  const changed = snapshot.metadata.filter((e) => current.get(e.kind) !== canonicalJson(e)) as MetadataEventJson[];
  if (password !== undefined) await secrets.set({ workspaceId: d.workspaceId, datasetId: d.id, name: PASSWORD_SECRET, value: password, brokers: passwordSecretBrokers(snapshot) });
  if (changed.length === 0) return { appended: [] };
  const blocks = chainBlocks({ hash: d.headHash, sequenceNumber: d.headSequence }, changed, args.now ?? new Date());
  await datasets.appendManifestBlocks({ id: d.id, expectedHeadHash: d.headHash, snapshot, blocks });
  return { appended: changed.map((e) => e.kind) };
}

