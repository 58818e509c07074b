import { describe, expect, it } from 'vitest';
import {
  assertReaderConfig,
  ReadConfigError,
  TOPIC_COLUMN,
  UNSUPPORTED_READ_KINDS,
  type ReaderConfig,
} from '../../../lib/ingest/read/read-message';
import type { DataField } from '../../../lib/odf/data-type';
import { CITY_FIELDS, read, reasonOf, rowsOf } from './read-fixtures';

const SENSOR_FIELDS: DataField[] = [
  { name: 'event_time', type: { kind: 'Option', inner: { kind: 'Timestamp' } } },
  { name: 'device', type: { kind: 'String' } },
  { name: 'value', type: { kind: 'Option', inner: { kind: 'Float64' } } },
];

describe('readMessage', () => {
  it('makes one key per schema field: missing Option → null, unknown keys ignored', () => {
    const rows = rowsOf(read({ kind: 'NdJson' }, SENSOR_FIELDS, '{"device":"d1","extra":true}'));
    expect(rows).toEqual([{ event_time: null, device: 'd1', value: null }]);
    expect(Object.keys(rows[0])).toEqual(['event_time', 'device', 'value']);
  });

  it('quarantines a missing required field and an explicit null in one', () => {
    expect(reasonOf(read({ kind: 'NdJson' }, SENSOR_FIELDS, '{"value": 1}'))).toBe('missing required field "device"');
    expect(reasonOf(read({ kind: 'NdJson' }, SENSOR_FIELDS, '{"device": null}'))).toBe(
      'field "device": expected String, got null',
    );
  });

  it('quarantines a type error, naming the field and the record', () => {
    expect(reasonOf(read({ kind: 'NdJson' }, SENSOR_FIELDS, '{"device":"d1","value":"abc"}'))).toBe(
      'field "value": expected Float64, got string "abc"',
    );
    expect(reasonOf(read({ kind: 'Json' }, SENSOR_FIELDS, '[{"device":"d1"},{"device":"d2","value":"abc"}]'))).toBe(
      'record 2 of 2: field "value": expected Float64, got string "abc"',
    );
  });

  it('quarantines the whole message when any record fails', () => {
    const result = read({ kind: 'NdJson' }, SENSOR_FIELDS, '{"device":"d1"}\n{"value":1}\n{"device":"d3"}');
    expect(result).toEqual({ ok: false, reason: 'record 2 of 3: missing required field "device"' });
  });

  it('quarantines payloads over the size limit', () => {
    expect(reasonOf(read({ kind: 'NdJson' }, SENSOR_FIELDS, '{"device":"d1"}', { maxPayloadBytes: 10 }))).toBe(
      'payload of 15 bytes exceeds the limit of 10 bytes',
    );
    expect(read({ kind: 'NdJson' }, SENSOR_FIELDS, '{"device":"d1"}', { maxPayloadBytes: 15 }).ok).toBe(true);
  });

  it('quarantines payloads that are not UTF-8', () => {
    const payload = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    expect(reasonOf(read({ kind: 'NdJson' }, SENSOR_FIELDS, payload))).toBe('payload is not valid UTF-8');
  });

  it('reads a blank payload (e.g. a retained-message clear) as no rows, for every kind', () => {
    for (const kind of ['NdJson', 'Json', 'Csv'] as const) {
      expect(read({ kind }, SENSOR_FIELDS, '')).toEqual({ ok: true, rows: [] });
      expect(read({ kind }, SENSOR_FIELDS, ' \n ')).toEqual({ ok: true, rows: [] });
    }
  });

  it(`fills an absent "${TOPIC_COLUMN}" field with the message topic`, () => {
    const fields: DataField[] = [...CITY_FIELDS, { name: TOPIC_COLUMN, type: { kind: 'String' } }];
    const topic = 'cities/ua';
    expect(rowsOf(read({ kind: 'NdJson' }, fields, '{"city":"A","population":1}', { topic }))).toEqual([
      { city: 'A', population: 1, mqtt_topic: 'cities/ua' },
    ]);
    expect(rowsOf(read({ kind: 'Csv' }, fields, 'A,1', { topic }))).toEqual([
      { city: 'A', population: 1, mqtt_topic: 'cities/ua' },
    ]);
    // a value carried by the record wins
    expect(rowsOf(read({ kind: 'NdJson' }, fields, '{"city":"A","population":1,"mqtt_topic":"x"}', { topic }))).toEqual([
      { city: 'A', population: 1, mqtt_topic: 'x' },
    ]);
  });

  it('decodes Int64 fields as bigint', () => {
    const fields: DataField[] = [{ name: 'n', type: { kind: 'Int64' } }];
    expect(rowsOf(read({ kind: 'NdJson' }, fields, '{"n":"9223372036854775807"} {"n":1}'))).toEqual([
      { n: 2n ** 63n - 1n },
      { n: 1n },
    ]);
  });
});

describe('read config', () => {
  it.each(UNSUPPORTED_READ_KINDS)('rejects the %s read kind', (kind) => {
    const config = { kind } as unknown as ReaderConfig;
    expect(() => read(config, CITY_FIELDS, '{}')).toThrow(
      new ReadConfigError(`read kind "${kind}" is not supported: Sluice reads NdJson, Json and Csv MQTT payloads`),
    );
  });

  it('rejects encodings and formats Kamu does not support either', () => {
    expect(() => assertReaderConfig({ kind: 'NdJson', encoding: 'latin1' } as { kind: string })).toThrow(
      'NdJson.encoding "latin1" is not supported (only "utf8")',
    );
    expect(() => assertReaderConfig({ kind: 'Csv', timestampFormat: '%Y' } as { kind: string })).toThrow(
      'Csv.timestampFormat "%Y" is not supported (only "rfc3339")',
    );
    expect(() => assertReaderConfig({ kind: 'Json', dateFormat: 'rfc3339', encoding: 'utf8' } as { kind: string })).not.toThrow();
  });

  it('requires single ASCII characters for the CSV separator, quote and escape', () => {
    expect(() => assertReaderConfig({ kind: 'Csv', separator: ';;' } as { kind: string })).toThrow(
      'Csv.separator must be a single ASCII character, got ";;"',
    );
    expect(() => assertReaderConfig({ kind: 'Csv', quote: '«' } as { kind: string })).toThrow(ReadConfigError);
    expect(() => assertReaderConfig({ kind: 'Csv', separator: '', quote: '', escape: '' } as { kind: string })).not.toThrow();
  });
});

describe('readMessage bounds what a message can become', () => {
  const optionalFields = (n: number): DataField[] => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: { kind: 'Option', inner: { kind: 'Float64' } } }));

  it('quarantines a payload that would become far more cells than it has bytes (empty records against a wide schema)', () => {
    const payload = '{}\n'.repeat(20_000); // 60 kB: 4,000,000 cells against 200 Option fields
    expect(reasonOf(read({ kind: 'NdJson' }, optionalFields(200), payload, { maxPayloadBytes: 1 << 20 }))).toBe(
      '20000 records × 200 fields = 4000000 cells from 60000 bytes: more than the 240200 a message of this size may hold',
    );
  });

  it('quarantines a small payload of empty records against a wide schema too (no floor to hide under)', () => {
    expect(reasonOf(read({ kind: 'NdJson' }, optionalFields(300), '{}\n'.repeat(218)))).toContain('218 records × 300 fields = 65400 cells from 654 bytes');
  });

  it('reads a sparse record of a wide schema, and many small records of a narrow one', () => {
    expect(rowsOf(read({ kind: 'NdJson' }, optionalFields(1000), '{"f3":1}'))[0].f3).toBe(1);
    expect(rowsOf(read({ kind: 'Json' }, optionalFields(1), `[${Array(50_000).fill('{}').join(',')}]`, { maxPayloadBytes: 1 << 20 }))).toHaveLength(50_000);
  });

  it('quarantines a nested value deeper than 64 levels (its consumers recurse), and reads one 64 deep', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const list: DataField[] = [{ name: 'l', type: { kind: 'List', itemType: { kind: 'Float64' } } }];
    expect(reasonOf(read({ kind: 'NdJson' }, list, `{"l":${nested(5000)}}`))).toBe('field "l": List value nested deeper than 64 levels');
    expect(rowsOf(read({ kind: 'NdJson' }, list, `{"l":${nested(64)}}`))).toHaveLength(1);
  });
});

