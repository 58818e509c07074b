import { describe, expect, it } from 'vitest';
import type { DataField } from '../../../lib/odf/data-type';
import { CITIES, CITY_FIELDS, read, reasonOf, rowsOf } from './read-fixtures';

const OPT_INTS: DataField[] = ['a', 'b', 'c', 'd'].map((name) => ({
  name,
  type: { kind: 'Option', inner: { kind: 'Int32' } },
}));

describe('Csv reader', () => {
  it('maps header columns by name (kamu test_read_csv_with_schema)', () => {
    expect(rowsOf(read({ kind: 'Csv', header: true }, CITY_FIELDS, 'city,population\nA,1000\nB,2000\nC,3000\n'))).toEqual(
      CITIES,
    );
  });

  it('matches header names in any order and ignores unknown columns', () => {
    const payload = 'population,extra,city\n1000,x,A\n';
    expect(rowsOf(read({ kind: 'Csv', header: true }, CITY_FIELDS, payload))).toEqual([CITIES[0]]);
  });

  it('maps columns by position without a header (kamu test_read_csv_no_header)', () => {
    expect(rowsOf(read({ kind: 'Csv' }, CITY_FIELDS, 'A,1000\nB,2000\nC,3000\n'))).toEqual(CITIES);
  });

  it('reads empty fields as null (kamu test_read_tsv_null_values)', () => {
    const payload = '1\t2\t3\t4\n1\t\t\t4\n1\t2\t\t\n\t\t3\t4\n';
    expect(rowsOf(read({ kind: 'Csv', header: false, separator: '\t' }, OPT_INTS, payload))).toEqual([
      { a: 1, b: 2, c: 3, d: 4 },
      { a: 1, b: null, c: null, d: 4 },
      { a: 1, b: 2, c: null, d: null },
      { a: null, b: null, c: 3, d: 4 },
    ]);
  });

  it('honours nullValue', () => {
    const fields: DataField[] = [
      { name: 'city', type: { kind: 'Option', inner: { kind: 'String' } } },
      { name: 'population', type: { kind: 'Option', inner: { kind: 'Int32' } } },
    ];
    expect(rowsOf(read({ kind: 'Csv', nullValue: 'NA' }, fields, 'NA,NA\n,5\n'))).toEqual([
      { city: null, population: null },
      { city: '', population: 5 },
    ]);
  });

  it('honours quote and escape', () => {
    expect(rowsOf(read({ kind: 'Csv' }, CITY_FIELDS, '"A, ""the"" city",1\n'))).toEqual([
      { city: 'A, "the" city', population: 1 },
    ]);
    expect(rowsOf(read({ kind: 'Csv', quote: "'", escape: '\\' }, CITY_FIELDS, "'A, \\'x\\'',1\n"))).toEqual([
      { city: "A, 'x'", population: 1 },
    ]);
  });

  it('accepts mixed line endings and skips blank lines', () => {
    expect(rowsOf(read({ kind: 'Csv' }, CITY_FIELDS, 'A,1000\r\nB,2000\n\nC,3000\r'))).toEqual(CITIES);
  });

  it('treats missing trailing columns as absent fields', () => {
    const fields: DataField[] = [
      { name: 'city', type: { kind: 'String' } },
      { name: 'note', type: { kind: 'Option', inner: { kind: 'String' } } },
    ];
    expect(rowsOf(read({ kind: 'Csv' }, fields, 'A\n'))).toEqual([{ city: 'A', note: null }]);
    expect(reasonOf(read({ kind: 'Csv' }, CITY_FIELDS, 'A\n'))).toBe('missing required field "population"');
  });

  it('quarantines rows with too many columns', () => {
    expect(reasonOf(read({ kind: 'Csv' }, CITY_FIELDS, 'A,1,x\n'))).toBe('has 3 columns, but the schema has 2');
    expect(reasonOf(read({ kind: 'Csv', header: true }, CITY_FIELDS, 'city,population\nA,1\nB,2,x\n'))).toBe(
      'record 2 of 2: has 3 columns, but the header has 2',
    );
  });

  it('quarantines malformed CSV and bad values, naming the record', () => {
    expect(reasonOf(read({ kind: 'Csv' }, CITY_FIELDS, '"A,1\n'))).toMatch(/^invalid CSV: Quote Not Closed/);
    expect(reasonOf(read({ kind: 'Csv' }, CITY_FIELDS, 'A,1\nB,many\n'))).toBe(
      'record 2 of 2: field "population": expected Int32, got string "many"',
    );
    expect(reasonOf(read({ kind: 'Csv' }, CITY_FIELDS, ',1\n'))).toBe('field "city": expected String, got null');
  });

  it('yields no rows for a header alone', () => {
    expect(rowsOf(read({ kind: 'Csv', header: true }, CITY_FIELDS, 'city,population\n'))).toEqual([]);
  });
});
