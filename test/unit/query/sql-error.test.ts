import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { sqlErrorPosition } from '../../../lib/query/sql-error';

/** The message DuckDB itself gives for `sql` (the browser runs the same engine as WASM). */
async function duckDbError(sql: string): Promise<string> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    await conn.run(sql);
  } catch (err) {
    return (err as Error).message;
  } finally {
    conn.closeSync();
  }
  throw new Error(`no error from: ${sql}`);
}

describe('sqlErrorPosition', () => {
  it('points at a syntax error on a later line', async () => {
    const sql = 'SELECT 1\nFROM range(3) r\nWHERE r.range > 1 1';
    expect(sqlErrorPosition(await duckDbError(sql), sql)).toEqual({ line: 3, column: 19 });
  });

  it('points at an unknown column', async () => {
    const sql = 'SELECT nope FROM range(3)';
    expect(sqlErrorPosition(await duckDbError(sql), sql)).toEqual({ line: 1, column: 8 });
  });

  it('finds the column inside a long line that DuckDB shows as a window', async () => {
    const sql = `SELECT ${Array.from({ length: 40 }, (_, i) => `${i} AS c${i}`).join(', ')}, nope FROM range(3)`;
    expect(sqlErrorPosition(await duckDbError(sql), sql)).toEqual({ line: 1, column: sql.indexOf('nope') + 1 });
  });

  it('gives nothing when the message has no position', () => {
    expect(sqlErrorPosition('Catalog Error: Table with name x does not exist!', 'SELECT * FROM x')).toBeUndefined();
  });
});
