import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { FORMULA_TRIGGERS, spreadsheetSafeSql, spreadsheetSafeText } from '../../../lib/data/csv-safe';

const SAMPLES = ['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)', '\tx', '\rx', 'plain', 'a=b', ' =x', "'=x", '', '3.5', 'é=x'];

describe('spreadsheet-safe CSV text (OWASP CSV injection)', () => {
  it('prefixes a quote to text starting with = + - @ tab or CR, and leaves other text alone', () => {
    expect(SAMPLES.map(spreadsheetSafeText)).toEqual([
      `'=HYPERLINK("http://x")`,
      "'+1",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
      'plain',
      'a=b',
      ' =x',
      "'=x",
      '',
      '3.5',
      'é=x',
    ]);
    expect(FORMULA_TRIGGERS).toEqual(['=', '+', '-', '@', '\t', '\r']);
  });

  it('gives the same result as SQL in DuckDB, where the query result CSV is written; NULL stays NULL', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const values = [...SAMPLES.map((v) => `('${v.replaceAll("'", "''")}')`), '(NULL)'].join(', ');
      const reader = await conn.runAndReadAll(`SELECT ${spreadsheetSafeSql('v')} AS safe FROM (VALUES ${values}) t(v)`);
      expect(reader.getRows().map(([safe]) => safe)).toEqual([...SAMPLES.map(spreadsheetSafeText), null]);
    } finally {
      conn.closeSync();
    }
  });
});
