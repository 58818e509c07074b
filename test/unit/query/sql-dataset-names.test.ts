import { describe, expect, it } from 'vitest';
import { datasetsNamedIn, sqlIdentifiers } from '../../../lib/query/sql-dataset-names';

const datasets = [{ name: 'demo.temp' }, { name: 'demo.temperature' }, { name: 'sensors' }, { name: 't' }];
const named = (sql: string) => datasetsNamedIn(sql, datasets).map((d) => d.name);

describe('datasets a query names', () => {
  it('takes quoted names whole: "demo.temperature" does not name demo.temp', () => {
    expect(named('SELECT * FROM "demo.temperature"')).toEqual(['demo.temperature']);
    expect(named('SELECT count(*) FROM "demo.temp__changelog"')).toEqual(['demo.temp']);
  });

  it('matches unquoted words and any case, as DuckDB does', () => {
    expect(named('select * from SENSORS s join "Demo.Temp" d on true')).toEqual(['demo.temp', 'sensors']);
    expect(named('SELECT * FROM sensors__changelog')).toEqual(['sensors']);
  });

  it('ignores strings, comments and names inside other words', () => {
    expect(named(`SELECT 'demo.temperature', $$sensors$$ -- "t"\n/* sensors */ FROM "demo.temp"`)).toEqual(['demo.temp']);
    expect(named('SELECT time, total FROM "demo.temp"')).toEqual(['demo.temp']);
  });

  it('reads escaped quotes inside identifiers and strings', () => {
    expect([...sqlIdentifiers(`SELECT 'it''s', "a""b" FROM x`)]).toEqual(['select', 'a"b', 'from', 'x']);
  });
});
