import { describe, expect, it } from 'vitest';
import { mqttSourceConfig } from '../../../lib/ingest/mqtt-source-config';
import { brokerUrlOf } from '../../../lib/odf/mqtt-source';
import { parseManifest } from '../../../lib/odf';

const manifest = (fetch: string, read = 'kind: NdJson') =>
  parseManifest(`kind: DatasetSnapshot
version: 1
content:
  name: t
  kind: Root
  metadata:
    - kind: SetPollingSource
      fetch:
${fetch.replace(/^/gm, '        ')}
      read:
        ${read}
      merge:
        kind: Append
`);

describe('brokerUrlOf', () => {
  it('turns Kamu host/port into an mqtt:// URL and accepts Sluice URL hosts', () => {
    expect(brokerUrlOf({ host: 'broker.example.org', port: 1883 })).toBe('mqtt://broker.example.org:1883');
    expect(brokerUrlOf({ host: '::1', port: 1883 })).toBe('mqtt://[::1]:1883');
    expect(brokerUrlOf({ host: 'mqtts://broker.example.org', port: 8883 })).toBe('mqtts://broker.example.org:8883');
    expect(brokerUrlOf({ host: 'wss://broker.example.org/mqtt', port: 443 })).toBe('wss://broker.example.org/mqtt');
    expect(brokerUrlOf({ host: 'ws://127.0.0.1/mqtt', port: 8080 })).toBe('ws://127.0.0.1:8080/mqtt');
  });
});

describe('mqttSourceConfig', () => {
  const fetch = 'kind: Mqtt\nhost: h\nport: 1\nusername: u\npassword: "${{ env.PW || \'fallback\' }}"\ntopics:\n  - path: a/#\n    qos: ExactlyOnce\n  - path: b';
  it('resolves the password template at pull time and maps QoS names', () => {
    const c = mqttSourceConfig(manifest(fetch), (n) => (n === 'PW' ? 's3cret' : undefined));
    expect(c).toMatchObject({ brokerUrl: 'mqtt://h:1', username: 'u', password: 's3cret', topics: [{ path: 'a/#', qos: 2 }, { path: 'b', qos: 0 }] });
    expect(mqttSourceConfig(manifest(fetch), () => undefined).password).toBe('fallback');
  });

  it('says clearly which sources it does not pull', () => {
    expect(() => mqttSourceConfig(manifest('kind: Url\nurl: https://example.org/x.csv'), () => undefined)).toThrow(/fetches with Url; Sluice pulls only MQTT sources/);
    expect(() => mqttSourceConfig(manifest('kind: Mqtt\nhost: h\nport: 1\ntopics:\n  - path: a', 'kind: Csv'), () => undefined)).toThrow(/Csv payloads need a read schema/);
  });
});
