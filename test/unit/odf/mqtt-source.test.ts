import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VOCAB,
  effectiveVocab,
  findActivePollingSource,
  parseManifest,
  qosNumber,
  type MetadataEvent,
  type SetPollingSource,
} from '../../../lib/odf';
import { readManifest } from './fixtures';

function pollingSource(host: string): SetPollingSource {
  return {
    kind: 'SetPollingSource',
    fetch: { kind: 'Mqtt', host, port: 1883, topics: [{ path: 't' }] },
    read: { kind: 'NdJson' },
    merge: { kind: 'Append' },
  };
}

describe('findActivePollingSource', () => {
  it('returns the last SetPollingSource', () => {
    const metadata: MetadataEvent[] = [pollingSource('a'), { kind: 'SetInfo' }, pollingSource('b')];
    expect(findActivePollingSource(metadata)).toBe(metadata[2]);
  });

  it('returns nothing when a DisablePollingSource follows it', () => {
    expect(findActivePollingSource([pollingSource('a'), { kind: 'DisablePollingSource' }])).toBeUndefined();
  });

  it('returns a source set again after a DisablePollingSource', () => {
    const metadata: MetadataEvent[] = [pollingSource('a'), { kind: 'DisablePollingSource' }, pollingSource('b')];
    expect(findActivePollingSource(metadata)).toBe(metadata[2]);
  });

  it('returns nothing without a polling source', () => {
    const pushOnly: MetadataEvent[] = [
      { kind: 'AddPushSource', sourceName: 'p', read: { kind: 'NdJson' }, merge: { kind: 'Append' } },
    ];
    expect(findActivePollingSource(pushOnly)).toBeUndefined();
    expect(findActivePollingSource([])).toBeUndefined();
  });

  it('finds the MQTT source of the kamu example', () => {
    const source = findActivePollingSource(parseManifest(readManifest('kamu-temp.yaml')).metadata);
    expect(source?.fetch).toEqual({
      kind: 'Mqtt',
      host: '127.0.0.1',
      port: 1883,
      topics: [{ path: 'dev.kamu.example.mqtt.temp', qos: 'AtMostOnce' }],
    });
  });
});

describe('effectiveVocab', () => {
  it('is the default vocabulary without SetVocab', () => {
    expect(effectiveVocab([pollingSource('a')])).toEqual({
      offsetColumn: 'offset',
      operationTypeColumn: 'op',
      systemTimeColumn: 'system_time',
      eventTimeColumn: 'event_time',
    });
  });

  it('takes the last SetVocab over the defaults, each SetVocab replacing the previous one', () => {
    const metadata: MetadataEvent[] = [
      { kind: 'SetVocab', offsetColumn: 'o', eventTimeColumn: 'first' },
      { kind: 'SetVocab', eventTimeColumn: 'ts' },
    ];
    expect(effectiveVocab(metadata)).toEqual({ ...DEFAULT_VOCAB, eventTimeColumn: 'ts' });
  });

  it('does not share DEFAULT_VOCAB with callers', () => {
    const vocab = effectiveVocab([]);
    vocab.offsetColumn = 'changed';
    expect(DEFAULT_VOCAB.offsetColumn).toBe('offset');
  });
});

describe('qosNumber', () => {
  it('maps MqttQos to the MQTT QoS level, absent = AtMostOnce = 0', () => {
    expect(qosNumber()).toBe(0);
    expect(qosNumber('AtMostOnce')).toBe(0);
    expect(qosNumber('AtLeastOnce')).toBe(1);
    expect(qosNumber('ExactlyOnce')).toBe(2);
  });
});
