/**
 * The Kamu DatasetSnapshot for the demo device's readings (see demo-device.ts), as YAML text a user
 * can read, edit and hand to `kamu add` as well as to Sluice.
 */
import { Document, isCollection } from 'yaml';
import { defaultWorkspaceKey } from '../datasets/dataset-key';
import { DEMO_TOPIC_PREFIX } from './demo-device';

export const DEMO_DATASET_NAME = 'demo.temperature';
/** The demo dataset lives in the default workspace. */
export const DEMO_DATASET = defaultWorkspaceKey(DEMO_DATASET_NAME);

/** How a demo reading is read and merged, for the pulled demo and the pushed one alike. */
export const DEMO_READ_AND_MERGE = {
  read: {
    kind: 'NdJson',
    schema: {
      fields: [
        { name: 'event_time', type: 'Timestamp' },
        { name: 'device_id', type: 'String' },
        { name: 'temperature', type: 'Float64' },
        { name: 'humidity', type: { kind: 'Option', inner: 'Float64' } },
      ],
    },
  },
  merge: { kind: 'Ledger', primaryKey: ['event_time', 'device_id'] },
};

export function demoManifest(opts: { host: string; port: number }): string {
  const snapshot = {
    kind: 'DatasetSnapshot',
    version: 1,
    content: {
      name: DEMO_DATASET_NAME,
      kind: 'Root',
      metadata: [
        {
          kind: 'SetPollingSource',
          fetch: {
            kind: 'Mqtt',
            host: opts.host,
            port: opts.port,
            topics: [{ path: `${DEMO_TOPIC_PREFIX}/+/temperature`, qos: 'AtLeastOnce' }],
          },
          ...DEMO_READ_AND_MERGE,
        },
        {
          kind: 'SetInfo',
          description:
            'Temperature (°C) and relative humidity (%) readings from simulated greenhouse sensors, ' +
            'collected over MQTT by Sluice from the built-in demo device.',
          keywords: ['demo', 'IoT', 'MQTT', 'temperature', 'humidity'],
        },
      ],
    },
  };

  const doc = new Document(snapshot);
  doc.commentBefore = ' Demo dataset: readings the Sluice demo device publishes to demo/sensors/<device>/temperature.';
  // Short lists and the nested type read better inline, as in Kamu's own examples.
  const source = ['content', 'metadata', 0];
  for (const at of [
    [...source, 'merge', 'primaryKey'],
    [...source, 'read', 'schema', 'fields', 3, 'type'],
    ['content', 'metadata', 1, 'keywords'],
  ]) {
    const node = doc.getIn(at, true);
    if (isCollection(node)) node.flow = true;
  }
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}
