/**
 * The second demo of the embedded default: a device publishing to a push dataset through Sluice's
 * own device endpoint (no broker involved), with a device credential made for it at each start.
 */
import { Document, isCollection } from 'yaml';
import { addDataset } from '../datasets/add-dataset';
import { DEFAULT_WORKSPACE_ID, defaultWorkspaceKey } from '../datasets/dataset-key';
import { createDeviceCredential } from '../devices/create-device-credential';
import type { Store } from '../store/open-store';
import { startDemoDevice, type DemoDevice } from './demo-device';
import { DEMO_READ_AND_MERGE } from './demo-manifest';

export const DEMO_PUSH_DATASET_NAME = 'demo.devices';
export const DEMO_PUSH_DATASET = defaultWorkspaceKey(DEMO_PUSH_DATASET_NAME);
const DEMO_PUSH_DEVICE = 'demo-device';

export function demoPushManifest(): string {
  const doc = new Document({
    kind: 'DatasetSnapshot',
    version: 1,
    content: {
      name: DEMO_PUSH_DATASET_NAME,
      kind: 'Root',
      metadata: [
        {
          kind: 'AddPushSource',
          sourceName: 'devices',
          ...DEMO_READ_AND_MERGE,
        },
        {
          kind: 'SetInfo',
          description: 'Readings a simulated greenhouse sensor publishes straight into Sluice through its device endpoint (push ingestion).',
          keywords: ['demo', 'IoT', 'push'],
        },
      ],
    },
  });
  doc.commentBefore = ` Demo push dataset: the demo device publishes to ${DEMO_PUSH_DATASET_NAME}/<device>/temperature on Sluice's device endpoint.`;
  for (const at of [
    ['content', 'metadata', 0, 'merge', 'primaryKey'],
    ['content', 'metadata', 0, 'read', 'schema', 'fields', 3, 'type'],
    ['content', 'metadata', 1, 'keywords'],
  ]) {
    const node = doc.getIn(at, true);
    if (isCollection(node)) node.flow = true;
  }
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

/**
 * Adds the demo push dataset on first start, replaces the demo device's credential (its secret
 * was never shown, so a new one costs nothing) and starts the device publishing to `endpointUrl`.
 */
export async function startDemoPushDevice(opts: { store: Pick<Store, 'datasets' | 'secrets' | 'devices'>; endpointUrl: string; log?: (line: string) => void }): Promise<DemoDevice> {
  const { store } = opts;
  if (!(await store.datasets.find(DEMO_PUSH_DATASET))) await addDataset({ store, manifest: demoPushManifest() });
  await store.devices.deleteByName(DEFAULT_WORKSPACE_ID, DEMO_PUSH_DEVICE);
  const { credential, secret } = await createDeviceCredential({
    devices: store.devices,
    workspaceId: DEFAULT_WORKSPACE_ID,
    input: { name: DEMO_PUSH_DEVICE, allowedFilters: [`${DEMO_PUSH_DATASET_NAME}/#`], expiresAt: null },
  });
  return startDemoDevice({ url: opts.endpointUrl, topicPrefix: DEMO_PUSH_DATASET_NAME, devices: ['greenhouse-3'], username: credential.username, password: secret, log: opts.log });
}
