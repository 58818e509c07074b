import {
  Binary, Bool, DateDay, DateMillisecond, Decimal, Field, Float64, Int32, Int64, List, Map_, Struct, TimeMicrosecond, TimeSecond,
  TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Uint64, Utf8, makeData, makeVector, vectorFromArray,
  type DataType, type Vector,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { cellFormatter, compareCells, decimalToBigInt, OUT_OF_RANGE, readCell } from '../../../lib/query/format-cell';

/** Every value of a vector as the grid and CSV write it. */
function texts(v: Vector): string[] {
  const format = cellFormatter(v.type);
  return Array.from({ length: v.length }, (_, i) => format(readCell(v, i)));
}

/** A 128-bit decimal's storage: little-endian 32-bit words of its two's complement. */
function words(unscaled: bigint): Uint32Array {
  const u = BigInt.asUintN(128, unscaled);
  return Uint32Array.from({ length: 4 }, (_, i) => Number((u >> BigInt(32 * i)) & 0xffffffffn));
}

/** A timestamp column from raw integers in its unit, as DuckDB sends it. */
function timestamps<T extends DataType>(type: T, raw: bigint[]): Vector<T> {
  return makeVector(makeData({ type, data: BigInt64Array.from(raw) } as never)) as Vector<T>;
}

describe('cellFormatter', () => {
  it('writes null as empty text, in every type', () => {
    expect(texts(vectorFromArray([null, 'a'], new Utf8()))).toEqual(['', 'a']);
    expect(texts(vectorFromArray([null], new Int64()))).toEqual(['']);
    expect(texts(vectorFromArray([null], new Struct([new Field('a', new Int32(), true)])))).toEqual(['']);
  });

  it('writes 64-bit integers exactly, beyond 2^53', () => {
    expect(texts(vectorFromArray([2n ** 53n + 1n, -(2n ** 63n)], new Int64()))).toEqual(['9007199254740993', '-9223372036854775808']);
    expect(texts(vectorFromArray([2n ** 64n - 1n], new Uint64()))).toEqual(['18446744073709551615']);
  });

  it('writes decimals exactly at their scale, negative ones included', () => {
    const v = vectorFromArray([words(-12345n), words(5n), words(-5n), words(0n), words(1234567890123456789012345n), null], new Decimal(2, 38, 128));
    expect(texts(v)).toEqual(['-123.45', '0.05', '-0.05', '0.00', '12345678901234567890123.45', '']);
    expect(decimalToBigInt(words(-(2n ** 127n)))).toBe(-(2n ** 127n));
  });

  it('writes every timestamp unit as ISO 8601 UTC, to the millisecond', () => {
    expect(texts(timestamps(new TimestampSecond(), [1767225600n]))).toEqual(['2026-01-01T00:00:00.000Z']);
    expect(texts(vectorFromArray([new Date('2026-01-01T12:34:56.789Z')], new TimestampMillisecond()))).toEqual(['2026-01-01T12:34:56.789Z']);
    expect(texts(timestamps(new TimestampMicrosecond(), [1767225600001999n, -1n]))).toEqual(['2026-01-01T00:00:00.001Z', '1969-12-31T23:59:59.999Z']);
    expect(texts(timestamps(new TimestampNanosecond(), [1767225600123456789n]))).toEqual(['2026-01-01T00:00:00.123Z']);
  });

  it('says "out of range" for a timestamp apache-arrow cannot read (DuckDB\'s infinity) instead of throwing', () => {
    const v = timestamps(new TimestampMicrosecond(), [2n ** 63n - 1n]);
    expect(readCell(v, 0)).toBe(OUT_OF_RANGE);
    expect(texts(v)).toEqual(['out of range']);
  });

  it('writes dates as YYYY-MM-DD and times of day with their unit\'s digits', () => {
    expect(texts(vectorFromArray([new Date('2026-03-04T00:00:00Z'), null], new DateDay()))).toEqual(['2026-03-04', '']);
    expect(texts(vectorFromArray([new Date('1969-12-31T00:00:00Z')], new DateMillisecond()))).toEqual(['1969-12-31']);
    expect(texts(timestamps(new TimeMicrosecond(), [3_723_000_456n]))).toEqual(['01:02:03.000456']);
    expect(texts(makeVector(makeData({ type: new TimeSecond(), data: Int32Array.of(86_399) })))).toEqual(['23:59:59']);
  });

  it('writes floats, booleans, text and binary as themselves (binary as hex)', () => {
    expect(texts(vectorFromArray([1.5, Number.NaN, Infinity, -Infinity, -0.25], new Float64()))).toEqual(['1.5', 'NaN', 'Infinity', '-Infinity', '-0.25']);
    expect(texts(vectorFromArray([true, false, null], new Bool()))).toEqual(['true', 'false', '']);
    expect(texts(vectorFromArray(['ä "x"', ''], new Utf8()))).toEqual(['ä "x"', '']);
    expect(texts(vectorFromArray([Uint8Array.of(0, 255, 16)], new Binary()))).toEqual(['00ff10']);
    expect(texts(vectorFromArray(['a', 'b', 'a']))).toEqual(['a', 'b', 'a']); // dictionary-encoded
  });

  it('writes nested values as JSON whose leaves read as in the grid', () => {
    const type = new Struct([
      new Field('n', new Int64(), true),
      new Field('t', new TimestampMillisecond(), true),
      new Field('tags', new List(new Field('item', new Int32(), true)), true),
      new Field('s', new Utf8(), true),
    ]);
    const v = vectorFromArray([{ n: 2n ** 53n + 1n, t: new Date('2026-01-01T00:00:00Z'), tags: [1, null], s: null }], type);
    expect(texts(v)).toEqual(['{"n":"9007199254740993","t":"2026-01-01T00:00:00.000Z","tags":[1,null],"s":null}']);
    const map = new Map_(new Field('entries', new Struct<{ key: Utf8; value: Float64 }>([new Field('key', new Utf8(), false), new Field('value', new Float64(), true)])));
    expect(texts(vectorFromArray([new Map([['a', 1.5], ['b', Number.NaN]])], map))).toEqual(['{"a":1.5,"b":"NaN"}']);
  });
});

describe('compareCells', () => {
  /** The column's values sorted with compareCells. */
  function sorted(v: Vector, direction: 'asc' | 'desc'): unknown[] {
    return Array.from({ length: v.length }, (_, i) => v.get(i)).sort(compareCells(v.type, direction));
  }

  it('orders numbers numerically with NaN above them, and nulls last in both directions', () => {
    const v = vectorFromArray([3, null, Number.NaN, -1, 10], new Float64());
    expect(sorted(v, 'asc')).toEqual([-1, 3, 10, Number.NaN, null]);
    expect(sorted(v, 'desc')).toEqual([Number.NaN, 10, 3, -1, null]);
  });

  it('orders bigints, decimals and timestamps by value', () => {
    expect(sorted(vectorFromArray([2n ** 60n, null, -5n, 2n ** 60n + 1n], new Int64()), 'desc')).toEqual([2n ** 60n + 1n, 2n ** 60n, -5n, null]);
    const dec = vectorFromArray([words(100n), words(-12345n), null, words(5n)], new Decimal(2, 38, 128));
    const format = cellFormatter(dec.type);
    expect(sorted(dec, 'asc').map(format)).toEqual(['-123.45', '0.05', '1.00', '']);
    const ts = timestamps(new TimestampMicrosecond(), [1767225600000000n, 0n, 1767225599000000n]);
    expect(sorted(ts, 'asc')).toEqual([0, 1767225599000, 1767225600000]);
  });

  it('orders text by code unit, not locale, and false before true', () => {
    expect(sorted(vectorFromArray(['b', 'B', null, 'a', 'ä'], new Utf8()), 'asc')).toEqual(['B', 'a', 'b', 'ä', null]);
    expect(sorted(vectorFromArray([true, null, false], new Bool()), 'asc')).toEqual([false, true, null]);
  });
});
