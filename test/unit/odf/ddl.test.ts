import { describe, expect, it } from 'vitest';
import { DdlSchemaError, ddlToDataSchema, effectiveReadSchema, type DataType, type ReadStep } from '../../../lib/odf';

const option = (inner: DataType): DataType => ({ kind: 'Option', inner });
const TIMESTAMP: DataType = { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' };

function ddlError(ddl: string[]): DdlSchemaError {
  try {
    ddlToDataSchema(ddl);
  } catch (error) {
    expect(error).toBeInstanceOf(DdlSchemaError);
    return error as DdlSchemaError;
  }
  throw new Error('expected ddlToDataSchema to throw');
}

describe('ddlToDataSchema', () => {
  it.each<[string, DataType]>([
    ['BOOL', { kind: 'Bool' }],
    ['boolean', { kind: 'Bool' }],
    ['INT', { kind: 'Int32' }],
    ['INTEGER', { kind: 'Int32' }],
    ['INT(11)', { kind: 'Int32' }],
    ['INT UNSIGNED', { kind: 'UInt32' }],
    ['integer unsigned', { kind: 'UInt32' }],
    ['BIGINT', { kind: 'Int64' }],
    ['BIGINT UNSIGNED', { kind: 'UInt64' }],
    ['FLOAT', { kind: 'Float32' }],
    ['DOUBLE', { kind: 'Float64' }],
    ['STRING', { kind: 'String' }],
    ['VARCHAR', { kind: 'String' }],
    ['VARCHAR(255)', { kind: 'String' }],
    ['TEXT', { kind: 'String' }],
    ['TIMESTAMP', TIMESTAMP],
    ['TIMESTAMP(6)', TIMESTAMP],
    ['TIMESTAMP(3) WITH TIME ZONE', TIMESTAMP],
    ['timestamp without time zone', TIMESTAMP],
    ['DATE', { kind: 'Date' }],
    ['DECIMAL(10,2)', { kind: 'Decimal', precision: 10, scale: 2 }],
    ['DECIMAL(5)', { kind: 'Decimal', precision: 5, scale: 0 }],
    ['ARRAY<INT>', { kind: 'List', itemType: option({ kind: 'Int32' }) }],
    ['ARRAY<ARRAY<STRING>>', { kind: 'List', itemType: option({ kind: 'List', itemType: option({ kind: 'String' }) }) }],
  ])('maps %s, nullable unless NOT NULL', (sqlType, expected) => {
    expect(ddlToDataSchema([`col ${sqlType}`])).toEqual({ fields: [{ name: 'col', type: option(expected) }] });
    expect(ddlToDataSchema([`col ${sqlType} NOT NULL`])).toEqual({ fields: [{ name: 'col', type: expected }] });
  });

  it('makes DATE and DECIMAL nullable like every other type (decision; kamu makes them required)', () => {
    expect(ddlToDataSchema(['d DATE', 'p DECIMAL(4,1)'])).toEqual({
      fields: [
        { name: 'd', type: option({ kind: 'Date' }) },
        { name: 'p', type: option({ kind: 'Decimal', precision: 4, scale: 1 }) },
      ],
    });
  });

  it("converts kamu's example schema", () => {
    expect(ddlToDataSchema(['event_time TIMESTAMP', 'value FLOAT'])).toEqual({
      fields: [
        { name: 'event_time', type: option(TIMESTAMP) },
        { name: 'value', type: option({ kind: 'Float32' }) },
      ],
    });
  });

  it('keeps column name case, accepts quoted names and several columns in one entry', () => {
    expect(ddlToDataSchema(['EventTime TIMESTAMP NOT NULL, "device id" STRING', '`select` int'])).toEqual({
      fields: [
        { name: 'EventTime', type: TIMESTAMP },
        { name: 'device id', type: option({ kind: 'String' }) },
        { name: 'select', type: option({ kind: 'Int32' }) },
      ],
    });
  });

  it.each(['UUID', 'CHAR', 'CHAR(3)', 'TIME'])('rejects %s with the list of supported types', (sqlType) => {
    const error = ddlError(['ok INT', `bad ${sqlType}`]);
    expect(error.index).toBe(1);
    expect(error.code).toBe('DDL_SCHEMA_INVALID');
    expect(error.reason).toBe(
      `column "bad": unsupported DDL type "${sqlType.replace('(3)', '')}"; supported types: BOOL, BOOLEAN, INT, ` +
        'INTEGER, INT UNSIGNED, BIGINT, BIGINT UNSIGNED, FLOAT, DOUBLE, STRING, VARCHAR, TEXT, TIMESTAMP, DATE, ' +
        'DECIMAL(p,s), ARRAY<T>',
    );
    expect(error.message).toBe(`DDL schema entry 1: ${error.reason}`);
  });

  it.each<[string[], number, string]>([
    [['x FOO'], 0, 'column "x": unknown DDL type "FOO"; supported types: '],
    [[''], 0, 'empty column definition; expected "name TYPE"'],
    [['x'], 0, 'column "x": expected a type, got the end of the definition'],
    [['x INT NULL'], 0, 'column "x": unsupported column option "NULL"; only NOT NULL is supported'],
    [['x INT PRIMARY KEY'], 0, 'column "x": unsupported column option "PRIMARY"; only NOT NULL is supported'],
    [['x DECIMAL'], 0, 'column "x": DECIMAL needs a precision and an optional scale, e.g. DECIMAL(10,2), with scale <= precision'],
    [['x DECIMAL(2,5)'], 0, 'column "x": DECIMAL needs a precision'],
    [['x ARRAY<INT'], 0, 'column "x": expected ">", got the end of the definition'],
    [['x VARCHAR(n)'], 0, 'column "x": expected a number, got "n"'],
    [['a INT', 'a STRING'], 1, 'duplicate column "a"'],
    [['a INT;'], 0, 'unexpected character ";"'],
  ])('rejects %j', (ddl, index, reason) => {
    const error = ddlError(ddl);
    expect(error.index).toBe(index);
    expect(error.reason.startsWith(reason)).toBe(true);
  });
});

describe('effectiveReadSchema', () => {
  it('returns the ODF schema when present', () => {
    const read: ReadStep = { kind: 'NdJson', schema: { fields: [{ name: 'v', type: { kind: 'Float64' } }] } };
    expect(effectiveReadSchema(read)).toEqual({ fields: [{ name: 'v', type: { kind: 'Float64' } }] });
  });

  it('converts ddlSchema otherwise', () => {
    const read: ReadStep = { kind: 'Csv', ddlSchema: ['v DOUBLE NOT NULL'], header: true };
    expect(effectiveReadSchema(read)).toEqual({ fields: [{ name: 'v', type: { kind: 'Float64' } }] });
  });

  it('returns undefined when the read step has no schema (inference)', () => {
    expect(effectiveReadSchema({ kind: 'Parquet' })).toBeUndefined();
  });
});
