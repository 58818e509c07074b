import { serializeManifest } from './serialize-manifest';
import type { DatasetSnapshot } from './manifest-schema';

/**
 * The starting point of the console's "New dataset" form: an MQTT source with a typical reading
 * schema, on `broker` (the console's own broker, e.g. the embedded one on the port it really got).
 */
export function newMqttManifest(broker: { host: string; port: number } = { host: '127.0.0.1', port: 1883 }): string {
  const snapshot = {
    name: 'sensors.readings',
    kind: 'Root',
    metadata: [
      {
        kind: 'SetPollingSource',
        fetch: { kind: 'Mqtt', host: broker.host, port: broker.port, topics: [{ path: 'sensors/+/reading', qos: 'AtLeastOnce' }] },
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
