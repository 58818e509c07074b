import { describe, expect, it } from 'vitest';
import {
  cellKey,
  rowCellKey,
  cellsDistinct,
  CellTypeError,
  compareCells,
  decodePayloadCell,
  decodeStoredCell,
  decodeTextCell,
  encodeStoredCell,
  formatCell,
} from '../../../lib/data/cell-codec';
import type { Cell } from '../../../lib/data/row';
import type { DataType } from '../../../lib/odf/data-type';

const T = {
  bool: { kind: 'Bool' },
  int8: { kind: 'Int8' },
  int32: { kind: 'Int32' },
  uint8: { kind: 'UInt8' },
  uint32: { kind: 'UInt32' },
  int64: { kind: 'Int64' },
  uint64: { kind: 'UInt64' },
  float32: { kind: 'Float32' },
  float64: { kind: 'Float64' },
  decimal: { kind: 'Decimal', precision: 5, scale: 2 },
  string: { kind: 'String' },
  binary: { kind: 'Binary' },
  date: { kind: 'Date' },
  time: { kind: 'Time' },
  ts: { kind: 'Timestamp' },
  duration: { kind: 'Duration', unit: 'Second' },
  list: { kind: 'List', itemType: { kind: 'Int32' } },
  struct: { kind: 'Struct', fields: [{ name: 'a', type: { kind: 'Int32' } }] },
  map: { kind: 'Map', keyType: { kind: 'String' }, valueType: { kind: 'Int32' } },
  null: { kind: 'Null' },
  optInt32: { kind: 'Option', inner: { kind: 'Int32' } },
} satisfies Record<string, DataType>;

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CellTypeError);
    return (err as Error).message;
  }
  throw new Error('expected a CellTypeError');
}

describe('decodePayloadCell', () => {
  it('Option accepts null and absent values, required types do not', () => {
    expect(decodePayloadCell(T.optInt32, null)).toBeNull();
    expect(decodePayloadCell(T.optInt32, undefined)).toBeNull();
    expect(decodePayloadCell(T.optInt32, 5)).toBe(5);
    expect(reason(() => decodePayloadCell(T.int32, null))).toBe('expected Int32, got null');
    expect(reason(() => decodePayloadCell(T.optInt32, 'x'))).toBe('expected Int32, got string "x"');
  });

  it('Bool accepts booleans only', () => {
    expect(decodePayloadCell(T.bool, true)).toBe(true);
    expect(reason(() => decodePayloadCell(T.bool, 'true'))).toBe('expected Bool, got string "true"');
    expect(reason(() => decodePayloadCell(T.bool, 1))).toBe('expected Bool, got number 1');
  });

  it('small integers must be integral numbers in range', () => {
    expect(decodePayloadCell(T.int8, -128)).toBe(-128);
    expect(decodePayloadCell(T.uint32, 4_294_967_295)).toBe(4_294_967_295);
    expect(decodePayloadCell(T.int32, 1e3)).toBe(1000);
    expect(Object.is(decodePayloadCell(T.int32, -0), 0)).toBe(true);
    expect(reason(() => decodePayloadCell(T.int32, 'abc'))).toBe('expected Int32, got string "abc"');
    expect(reason(() => decodePayloadCell(T.int32, '42'))).toBe('expected Int32, got string "42"');
    expect(reason(() => decodePayloadCell(T.int32, 1.5))).toBe('expected Int32, got number 1.5');
    expect(reason(() => decodePayloadCell(T.uint8, 300))).toBe('value 300 out of range for UInt8');
    expect(reason(() => decodePayloadCell(T.uint8, -1))).toBe('value -1 out of range for UInt8');
    expect(reason(() => decodePayloadCell(T.int32, 2 ** 31))).toBe('value 2147483648 out of range for Int32');
  });

  it('Int64/UInt64 accept safe integers and decimal strings, as bigint', () => {
    expect(decodePayloadCell(T.int64, 42)).toBe(42n);
    expect(decodePayloadCell(T.int64, '-9223372036854775808')).toBe(-(2n ** 63n));
    expect(decodePayloadCell(T.uint64, '18446744073709551615')).toBe(2n ** 64n - 1n);
    expect(reason(() => decodePayloadCell(T.int64, '9223372036854775808'))).toBe(
      'value 9223372036854775808 out of range for Int64',
    );
    expect(reason(() => decodePayloadCell(T.uint64, -1))).toBe('value -1 out of range for UInt64');
    expect(reason(() => decodePayloadCell(T.int64, 2 ** 53))).toBe(
      'number 9007199254740992 for Int64 is beyond ±2^53 and may have lost precision; send it as a decimal string',
    );
    expect(reason(() => decodePayloadCell(T.int64, '1.0'))).toBe('expected Int64, got string "1.0"');
    expect(reason(() => decodePayloadCell(T.int64, true))).toBe('expected Int64, got boolean true');
  });

  it('floats accept finite numbers only', () => {
    expect(decodePayloadCell(T.float64, 21.5)).toBe(21.5);
    expect(decodePayloadCell(T.float32, 0.1)).toBe(0.1);
    expect(reason(() => decodePayloadCell(T.float64, 'abc'))).toBe('expected Float64, got string "abc"');
    expect(reason(() => decodePayloadCell(T.float64, 'NaN'))).toBe('expected Float64, got string "NaN"');
    expect(reason(() => decodePayloadCell(T.float64, JSON.parse('1e999')))).toBe(
      'value Infinity out of range for Float64',
    );
    expect(reason(() => decodePayloadCell(T.float32, 1e39))).toBe('value 1e+39 out of range for Float32');
  });

  it('Decimal accepts numbers and strings, never rounds, pads to the scale', () => {
    expect(decodePayloadCell(T.decimal, 12.5)).toBe('12.50');
    expect(decodePayloadCell(T.decimal, '-012.3')).toBe('-12.30');
    expect(decodePayloadCell(T.decimal, '1.500')).toBe('1.50');
    expect(decodePayloadCell(T.decimal, '.5')).toBe('0.50');
    expect(decodePayloadCell(T.decimal, '1.2e2')).toBe('120.00');
    expect(decodePayloadCell(T.decimal, -0)).toBe('0.00');
    expect(decodePayloadCell(T.decimal, '-0.00')).toBe('0.00');
    expect(decodePayloadCell({ kind: 'Decimal', precision: 3, scale: 0 }, '999')).toBe('999');
    expect(reason(() => decodePayloadCell(T.decimal, '1.234'))).toBe(
      'value 1.234 has more than 2 fraction digits for Decimal(5, 2)',
    );
    expect(reason(() => decodePayloadCell(T.decimal, 1234.5))).toBe(
      'value 1234.5 has more than 3 integer digits for Decimal(5, 2)',
    );
    expect(reason(() => decodePayloadCell(T.decimal, '1e400'))).toBe(
      'value 1e400 has more than 3 integer digits for Decimal(5, 2)',
    );
    expect(reason(() => decodePayloadCell(T.decimal, '12,5'))).toBe('expected Decimal(5, 2), got string "12,5"');
    expect(reason(() => decodePayloadCell(T.decimal, true))).toBe('expected Decimal(5, 2), got boolean true');
  });

  it('String accepts strings only', () => {
    expect(decodePayloadCell(T.string, '')).toBe('');
    expect(reason(() => decodePayloadCell(T.string, 12))).toBe('expected String, got number 12');
    const long = 'x'.repeat(100);
    expect(reason(() => decodePayloadCell(T.int32, long))).toBe(`expected Int32, got string "${'x'.repeat(40)}…"`);
  });

  it('Binary accepts base64 and checks fixedLength', () => {
    expect(decodePayloadCell(T.binary, 'AAEC')).toBe('AAEC');
    expect(decodePayloadCell({ kind: 'Binary', fixedLength: 2 }, 'AAE=')).toBe('AAE=');
    expect(reason(() => decodePayloadCell({ kind: 'Binary', fixedLength: 3 }, 'AAE='))).toBe(
      'expected 3 bytes for Binary, got 2',
    );
    expect(reason(() => decodePayloadCell(T.binary, 'not base64!'))).toBe('expected Binary, got string "not base64!"');
  });

  it('Timestamp accepts RFC 3339 strings, to epoch ms (UTC when no offset, sub-ms truncated)', () => {
    const at = Date.UTC(2022, 8, 25, 1, 2, 3);
    // the four forms of kamu's test_read_ndjson_format_timestamp
    expect(decodePayloadCell(T.ts, '2022-09-25 01:02:03')).toBe(at);
    expect(decodePayloadCell(T.ts, '2022-09-25T01:02:03')).toBe(at);
    expect(decodePayloadCell(T.ts, '2022-09-25T01:02:03Z')).toBe(at);
    expect(decodePayloadCell(T.ts, '2022-09-25T01:02:03-01:00')).toBe(at + 3_600_000);
    expect(decodePayloadCell(T.ts, '2022-09-25T01:02:03.123999+05:30')).toBe(at + 123 - 5.5 * 3_600_000);
    expect(decodePayloadCell(T.ts, '2022-09-25')).toBe(Date.UTC(2022, 8, 25));
    expect(decodePayloadCell(T.ts, '1969-12-31T23:59:59.999Z')).toBe(-1);
    expect(decodePayloadCell(T.ts, '2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    for (const bad of ['9/25/2022 1:02:03', '2023-02-29T00:00:00Z', '2022-09-25T24:00:00Z', '2022-09-25T01:02Z', '2022-09-25Z']) {
      expect(reason(() => decodePayloadCell(T.ts, bad))).toBe(`invalid RFC 3339 timestamp "${bad}"`);
    }
  });

  it('Timestamp accepts integral epoch numbers in the field unit (default Millisecond)', () => {
    expect(decodePayloadCell(T.ts, 1_700_000_000_123)).toBe(1_700_000_000_123);
    expect(decodePayloadCell({ kind: 'Timestamp', unit: 'Second' }, 1_700_000_000)).toBe(1_700_000_000_000);
    expect(decodePayloadCell({ kind: 'Timestamp', unit: 'Microsecond' }, 1_700_000_000_123_999)).toBe(
      1_700_000_000_123,
    );
    expect(decodePayloadCell({ kind: 'Timestamp', unit: 'Nanosecond' }, -1)).toBe(-1);
    expect(reason(() => decodePayloadCell(T.ts, 1.5))).toBe('expected Timestamp, got number 1.5');
    expect(reason(() => decodePayloadCell(T.ts, true))).toBe('expected Timestamp, got boolean true');
    expect(reason(() => decodePayloadCell({ kind: 'Timestamp', unit: 'Second' }, 1e13))).toBe(
      'value 10000000000000 out of range for Timestamp',
    );
  });

  it('Date accepts YYYY-MM-DD, Time HH:MM:SS[.fff]', () => {
    expect(decodePayloadCell(T.date, '2022-09-25')).toBe('2022-09-25');
    expect(reason(() => decodePayloadCell(T.date, '2022-02-30'))).toBe('invalid date "2022-02-30" (expected YYYY-MM-DD)');
    expect(reason(() => decodePayloadCell(T.date, 19_000))).toBe('expected Date, got number 19000');
    expect(decodePayloadCell(T.time, '01:02:03')).toBe('01:02:03');
    expect(decodePayloadCell(T.time, '01:02:03.5')).toBe('01:02:03.500');
    expect(decodePayloadCell(T.time, '01:02:03.000')).toBe('01:02:03');
    expect(reason(() => decodePayloadCell(T.time, '25:00:00'))).toBe('invalid time "25:00:00" (expected HH:MM:SS[.fff])');
  });

  it('Duration is an Int64 count of its unit', () => {
    expect(decodePayloadCell(T.duration, 90)).toBe(90n);
    expect(reason(() => decodePayloadCell(T.duration, 'PT1M'))).toBe('expected Duration, got string "PT1M"');
  });

  it('nested types pass JSON through after a shape check', () => {
    expect(decodePayloadCell(T.list, [1, 'x'])).toEqual([1, 'x']);
    expect(decodePayloadCell(T.struct, { a: 1, b: [2] })).toEqual({ a: 1, b: [2] });
    expect(decodePayloadCell(T.map, { k: 1 })).toEqual({ k: 1 });
    expect(decodePayloadCell(T.null, null)).toBeNull();
    expect(reason(() => decodePayloadCell(T.list, { a: 1 }))).toBe('expected List, got object');
    expect(reason(() => decodePayloadCell(T.struct, [1]))).toBe('expected Struct, got array');
    expect(reason(() => decodePayloadCell(T.null, 0))).toBe('expected Null, got number 0');
  });
});

describe('decodeTextCell', () => {
  it('reads numbers, booleans and nested JSON from text by the payload rules', () => {
    expect(decodeTextCell(T.int32, '-17')).toBe(-17);
    expect(decodeTextCell(T.optInt32, '+5')).toBe(5);
    expect(decodeTextCell(T.int64, '9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(decodeTextCell(T.float64, '1.5e3')).toBe(1500);
    expect(decodeTextCell(T.float64, '.5')).toBe(0.5);
    expect(decodeTextCell(T.bool, 'TRUE')).toBe(true);
    expect(decodeTextCell(T.bool, 'false')).toBe(false);
    expect(decodeTextCell(T.decimal, '3.1')).toBe('3.10');
    expect(decodeTextCell(T.string, ' 42 ')).toBe(' 42 ');
    expect(decodeTextCell(T.ts, '2022-09-25T01:02:03Z')).toBe(Date.UTC(2022, 8, 25, 1, 2, 3));
    expect(decodeTextCell(T.ts, '1700000000000')).toBe(1_700_000_000_000);
    expect(decodeTextCell(T.list, '[1,2]')).toEqual([1, 2]);
  });

  it('gives the same reasons as payload decoding', () => {
    expect(reason(() => decodeTextCell(T.int32, 'abc'))).toBe('expected Int32, got string "abc"');
    expect(reason(() => decodeTextCell(T.int32, '1.5'))).toBe('expected Int32, got string "1.5"');
    expect(reason(() => decodeTextCell(T.uint8, '300'))).toBe('value 300 out of range for UInt8');
    expect(reason(() => decodeTextCell(T.float64, 'NaN'))).toBe('expected Float64, got string "NaN"');
    expect(reason(() => decodeTextCell(T.bool, 'yes'))).toBe('expected Bool, got string "yes"');
    expect(reason(() => decodeTextCell(T.struct, '{oops'))).toBe('expected Struct, got string "{oops"');
  });
});

describe('stored cells', () => {
  const cases: [DataType, Cell][] = [
    [T.int64, -(2n ** 63n)],
    [T.uint64, 2n ** 64n - 1n],
    [{ kind: 'Option', inner: T.duration }, 5n],
    [T.optInt32, null],
    [T.float64, 0.1],
    [T.decimal, '12.50'],
    [T.ts, 1_700_000_000_123],
    [T.struct, { a: 1, b: [true, null] }],
  ];

  it.each(cases)('round-trips %j losslessly through JSON', (type, cell) => {
    const json = JSON.parse(JSON.stringify(encodeStoredCell(type, cell)));
    expect(decodeStoredCell(type, json)).toEqual(cell);
  });

  it('writes bigint as a decimal string', () => {
    expect(encodeStoredCell(T.int64, 12n)).toBe('12');
  });

  it('refuses a cell of the wrong representation', () => {
    expect(reason(() => encodeStoredCell(T.int64, 12))).toBe('cannot store number 12 in a Int64 column');
    expect(reason(() => decodeStoredCell(T.int64, 'x'))).toBe('stored string "x" is not a valid Int64');
  });
});

describe('cellKey / cellsDistinct', () => {
  it('is injective across representations', () => {
    const keys = [
      cellKey([1]),
      cellKey([1n]),
      cellKey(['1']),
      cellKey([true]),
      cellKey([null]),
      cellKey(['n']),
      cellKey([[1]]),
      cellKey(['a', 'b']),
      cellKey(['a,b']),
      cellKey(['a"', 'b']),
      cellKey(['a', '"b']),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("rowCellKey is cellKey of the row's cells (the key is stored and hashed: it must not change)", () => {
    // Besides nested and typed cells: plain text (quoted by hand), each character JSON escapes alone, a lone surrogate, odd numbers.
    const row: Record<string, Cell> = {
      a: 'x"\\\n\u2028😀', b: 5n, c: -0, d: null, e: true, f: { z: [1, 'q'], y: null }, g: 1.5e300,
      h: 'device-00042', i: 'a"b', j: 'a\\b', k: 'a\u001fb', l: '\udc00x', m: 'é\u2029', n: NaN, o: -Infinity, p: 1e-7,
    };
    for (const pick of [Object.keys(row), ['b', 'a'], ['missing'], []]) {
      expect(rowCellKey(pick, row)).toBe(cellKey(pick.map((c) => row[c])));
    }
  });

  it('is canonical: equal values share a key', () => {
    expect(cellKey([0])).toBe(cellKey([-0]));
    expect(cellKey([{ a: 1, b: 2 }])).toBe(cellKey([{ b: 2, a: 1 }]));
    expect(cellKey(['x', 5n])).toBe(cellKey(['x', 5n]));
    expect(cellKey([null])).toBe(cellKey([undefined]));
  });

  it('cellsDistinct is null-safe IS DISTINCT FROM', () => {
    expect(cellsDistinct(null, null)).toBe(false);
    expect(cellsDistinct(null, 0)).toBe(true);
    expect(cellsDistinct(1, null)).toBe(true);
    expect(cellsDistinct(5n, 5n)).toBe(false);
    expect(cellsDistinct(5n, 5)).toBe(true);
    expect(cellsDistinct('a', 'b')).toBe(true);
    expect(cellsDistinct({ a: [1] }, { a: [1] })).toBe(false);
    expect(cellsDistinct([1, 2], [2, 1])).toBe(true);
  });
});

describe('compareCells', () => {
  const sorted = (type: DataType, cells: Cell[]) => [...cells].sort((a, b) => compareCells(type, a, b));

  it('orders nulls first, then by the type', () => {
    expect(sorted(T.optInt32, [3, null, -1])).toEqual([null, -1, 3]);
    expect(sorted(T.int64, [10n, -2n, 9n])).toEqual([-2n, 9n, 10n]);
    expect(sorted(T.decimal, ['10.00', '-2.50', '9.99', '-10.00'])).toEqual(['-10.00', '-2.50', '9.99', '10.00']);
    expect(sorted(T.bool, [true, false])).toEqual([false, true]);
    expect(sorted(T.date, ['2024-01-02', '2023-12-31'])).toEqual(['2023-12-31', '2024-01-02']);
  });

  it('orders strings by code point (UTF-8 byte order), not UTF-16 units', () => {
    expect(sorted(T.string, ['😀', '\uFF01', 'b', 'B'])).toEqual(['B', 'b', '\uFF01', '😀']);
  });

  it('orders binary by bytes', () => {
    // base64 text order would put "/w==" (0xff) before "AA==" (0x00)
    expect(sorted(T.binary, ['/w==', 'AA=='])).toEqual(['AA==', '/w==']);
  });
});

describe('formatCell', () => {
  it('formats for display and CSV export', () => {
    expect(formatCell(T.ts, Date.UTC(2024, 0, 1))).toBe('2024-01-01T00:00:00.000Z');
    expect(formatCell({ kind: 'Option', inner: T.ts }, 1)).toBe('1970-01-01T00:00:00.001Z');
    expect(formatCell(T.int64, 2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(formatCell(T.decimal, '12.50')).toBe('12.50');
    expect(formatCell(T.float64, 0.1)).toBe('0.1');
    expect(formatCell(T.bool, false)).toBe('false');
    expect(formatCell(T.struct, { a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(formatCell(T.optInt32, null)).toBe('');
  });
});
