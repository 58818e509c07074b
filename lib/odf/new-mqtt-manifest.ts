import { serializeManifest } from './serialize-manifest';
import type { DatasetSnapshot } from './manifest-schema';

/** The starting point of the console's "New dataset" form: an MQTT source with a typical reading schema. */
export function newMqttManifest(): string {
  const snapshot = {
    name: 'sensors.readings',
    kind: 'Root',
    metadata: [
      {
        kind: 'SetPollingSource',
        fetch: { kind: 'Mqtt', host: '127.0.0.1', port: 1883, topics: [{ path: 'sensors/+/reading', qos: 'AtLeastOnce' }] },
        read: {
          kind: 'NdJson',
          schema: {
            fields: [
              { name: 'event_time', type: { kind: 'Timestamp' } },
              { name: 'device_id', type: { kind: 'String' } },
              { name: 'value', type: { kind: 'Option', inner: { kind: 'Float64' } } },
            ],
          },
        },
        merge: { kind: 'Ledger', primaryKey: ['event_time', 'device_id'] },
      },
    ],
  } as DatasetSnapshot;
  return serializeManifest(snapshot);
}
