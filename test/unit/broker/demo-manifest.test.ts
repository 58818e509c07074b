import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEMO_DATASET_NAME, demoManifest } from '../../../lib/demo/demo-manifest';
import { demoTopic } from '../../../lib/demo/demo-device';
import { findActivePollingSource, parseManifest } from '../../../lib/odf';

describe('demoManifest', () => {
  const text = demoManifest({ host: '127.0.0.1', port: 41234 });

  it('is the DatasetSnapshot of the brief, as plain YAML', () => {
    expect(parse(text)).toEqual({
      kind: 'DatasetSnapshot',
      version: 1,
      content: {
        name: 'demo.temperature',
        kind: 'Root',
        metadata: [
          {
            kind: 'SetPollingSource',
            fetch: {
              kind: 'Mqtt',
              host: '127.0.0.1',
              port: 41234,
              topics: [{ path: 'demo/sensors/+/temperature', qos: 'AtLeastOnce' }],
            },
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
          },
          {
            kind: 'SetInfo',
            description: expect.stringMatching(/greenhouse/),
            keywords: expect.arrayContaining(['MQTT', 'temperature']),
          },
        ],
      },
    });
    expect(DEMO_DATASET_NAME).toBe('demo.temperature');
  });

  it('is accepted by Sluice’s own manifest parser', () => {
    const snapshot = parseManifest(text);
    expect(snapshot.name).toBe('demo.temperature');
    const source = findActivePollingSource(snapshot.metadata);
    expect(source?.fetch).toEqual({
      kind: 'Mqtt',
      host: '127.0.0.1',
      port: 41234,
      topics: [{ path: 'demo/sensors/+/temperature', qos: 'AtLeastOnce' }],
    });
    expect(source?.read).toMatchObject({
      kind: 'NdJson',
      schema: {
        fields: [
          { name: 'event_time', type: { kind: 'Timestamp' } },
          { name: 'device_id', type: { kind: 'String' } },
          { name: 'temperature', type: { kind: 'Float64' } },
          { name: 'humidity', type: { kind: 'Option', inner: { kind: 'Float64' } } },
        ],
      },
    });
  });

  it('subscribes to what the demo device publishes', () => {
    const filter = parse(text).content.metadata[0].fetch.topics[0].path as string;
    const matches = (topic: string) => new RegExp(`^${filter.replace('+', '[^/]+')}$`).test(topic);
    expect(matches(demoTopic('greenhouse-1'))).toBe(true);
    expect(matches(demoTopic('greenhouse-2'))).toBe(true);
  });

  it.each(['::1', 'true', '1883', 'mqtt.example.org', 'null', 'yes'])('keeps host %s a string', (host) => {
    const fetch = parse(demoManifest({ host, port: 1883 })).content.metadata[0].fetch;
    expect(fetch.host).toBe(host);
    expect(fetch.port).toBe(1883);
  });
});
