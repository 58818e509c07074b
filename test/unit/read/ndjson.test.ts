import { describe, expect, it } from 'vitest';
import type { DataField } from '../../../lib/odf/data-type';
import { CITIES, CITY_FIELDS, read, reasonOf, rowsOf } from './read-fixtures';

const NDJSON = { kind: 'NdJson' } as const;

describe('NdJson reader', () => {
  it('reads newline-separated objects (kamu test_read_ndjson_with_schema)', () => {
    const payload = '{"city": "A", "population": 1000}\n{"city": "B", "population": 2000}\n{"city": "C", "population": 3000}\n';
    expect(rowsOf(read(NDJSON, CITY_FIELDS, payload))).toEqual(CITIES);
  });

  it('reads objects separated by spaces, as kamu joins MQTT messages, or by nothing', () => {
    const payload = '{"city":"A","population":1000} {"city":"B","population":2000}{"city":"C","population":3000}';
    expect(rowsOf(read(NDJSON, CITY_FIELDS, payload))).toEqual(CITIES);
  });

  it('is not confused by braces and quotes inside strings', () => {
    const payload = '{"city":"{\\"}[","population":1} {"city":"]}","population":2}';
    expect(rowsOf(read(NDJSON, CITY_FIELDS, payload))).toEqual([
      { city: '{"}[', population: 1 },
      { city: ']}', population: 2 },
    ]);
  });

  it('parses dates and timestamps (kamu test_read_ndjson_format_date / _timestamp)', () => {
    const fields: DataField[] = [
      { name: 'date', type: { kind: 'Option', inner: { kind: 'Date' } } },
      { name: 'event_time', type: { kind: 'Option', inner: { kind: 'Timestamp' } } },
    ];
    const payload = [
      '{"date": "2022-09-25", "event_time": "2022-09-25 01:02:03"}',
      '{"event_time": "2022-09-25T01:02:03"}',
      '{"event_time": "2022-09-25T01:02:03Z"}',
      '{"event_time": "2022-09-25T01:02:03-01:00"}',
    ].join('\n');
    const at = Date.UTC(2022, 8, 25, 1, 2, 3);
    expect(rowsOf(read(NDJSON, fields, payload))).toEqual([
      { date: '2022-09-25', event_time: at },
      { date: null, event_time: at },
      { date: null, event_time: at },
      { date: null, event_time: at + 3_600_000 },
    ]);
  });

  it('quarantines an unparseable timestamp (kamu test_read_ndjson_format_timestamp_parse_failed)', () => {
    const fields: DataField[] = [{ name: 'event_time', type: { kind: 'Timestamp' } }];
    expect(reasonOf(read(NDJSON, fields, '{"event_time": "9/25/2022 1:02:03"}'))).toBe(
      'field "event_time": invalid RFC 3339 timestamp "9/25/2022 1:02:03"',
    );
  });

  it('quarantines invalid JSON, naming the record when there are several', () => {
    expect(reasonOf(read(NDJSON, CITY_FIELDS, '{"city": "A",'))).toMatch(/^invalid JSON: /);
    expect(reasonOf(read(NDJSON, CITY_FIELDS, '{"city":"A","population":1}\n{oops}'))).toMatch(
      /^record 2 of 2: invalid JSON: /,
    );
    expect(reasonOf(read(NDJSON, CITY_FIELDS, '{"city":"A","population":1}}'))).toMatch(/^record 2 of 2: invalid JSON: /);
  });

  it('counts a line of text as one record, not one per word', () => {
    expect(reasonOf(read(NDJSON, CITY_FIELDS, 'not json at all'))).toMatch(/^invalid JSON: /);
    expect(reasonOf(read(NDJSON, CITY_FIELDS, '{"city":"A","population":1}\nnot json at all'))).toMatch(
      /^record 2 of 2: invalid JSON: /,
    );
  });

  it('quarantines a record that is not an object', () => {
    expect(reasonOf(read(NDJSON, CITY_FIELDS, '[{"city":"A","population":1}]'))).toBe(
      'expected a JSON object, got array',
    );
    expect(reasonOf(read(NDJSON, CITY_FIELDS, '{"city":"A","population":1} 42'))).toBe(
      'record 2 of 2: expected a JSON object, got number',
    );
  });
});
