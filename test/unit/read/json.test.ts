import { describe, expect, it } from 'vitest';
import { CITIES, CITY_FIELDS, read, reasonOf, rowsOf } from './read-fixtures';

describe('Json reader', () => {
  it('reads the array at subPath (kamu test_read_json_object)', () => {
    const payload = JSON.stringify({
      result: {
        cities: [
          { city: 'A', population: 1000 },
          { city: 'B', population: 2000 },
          { city: 'C', population: 3000 },
        ],
      },
    });
    expect(rowsOf(read({ kind: 'Json', subPath: 'result.cities' }, CITY_FIELDS, payload))).toEqual(CITIES);
  });

  it('reads a root array (kamu test_read_json_array)', () => {
    expect(rowsOf(read({ kind: 'Json' }, CITY_FIELDS, JSON.stringify(CITIES)))).toEqual(CITIES);
  });

  it('reads a single root object as one record (lenient extension)', () => {
    expect(rowsOf(read({ kind: 'Json' }, CITY_FIELDS, '{"city":"A","population":1000}'))).toEqual([CITIES[0]]);
  });

  it('quarantines a missing or non-array sub-path', () => {
    const payload = '{"result": {"cities": {"city": "A"}, "none": null}}';
    expect(reasonOf(read({ kind: 'Json', subPath: 'result.towns' }, CITY_FIELDS, payload))).toBe(
      'sub-path "result.towns" not found',
    );
    expect(reasonOf(read({ kind: 'Json', subPath: 'result.none' }, CITY_FIELDS, payload))).toBe(
      'sub-path "result.none" not found',
    );
    expect(reasonOf(read({ kind: 'Json', subPath: 'result.cities.x' }, CITY_FIELDS, '{"result":{"cities":[]}}'))).toBe(
      'sub-path "result.cities.x" not found',
    );
    expect(reasonOf(read({ kind: 'Json', subPath: 'result.cities' }, CITY_FIELDS, payload))).toBe(
      'sub-path "result.cities" is not an array (got object)',
    );
  });

  it('quarantines invalid JSON, scalar roots and non-object records', () => {
    expect(reasonOf(read({ kind: 'Json' }, CITY_FIELDS, '[{"city": "A"'))).toMatch(/^invalid JSON: /);
    expect(reasonOf(read({ kind: 'Json' }, CITY_FIELDS, '"A"'))).toBe('expected a JSON array or object, got string');
    expect(reasonOf(read({ kind: 'Json' }, CITY_FIELDS, '[{"city":"A","population":1}, null]'))).toBe(
      'record 2 of 2: expected a JSON object, got null',
    );
  });

  it('reads an empty array as no rows', () => {
    expect(rowsOf(read({ kind: 'Json' }, CITY_FIELDS, '[]'))).toEqual([]);
  });
});
