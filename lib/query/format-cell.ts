import { DataType, type TimeUnit, type Vector } from 'apache-arrow';

/** Turns one value, as `vector.get(i)` returns it, into text; null and undefined become ''. */
export type CellFormatter = (value: unknown) => string;

/** What the grid shows, dimmed, for a null (copies and CSV get '' instead). */
export const NULL_MARK = '∅';

/**
 * A value apache-arrow could not convert: its `get` throws for timestamps beyond ±2^53 ms, such as
 * DuckDB's 'infinity'. {@link readCell} returns it instead of throwing, so one value cannot break a
 * whole grid or download.
 */
export const OUT_OF_RANGE: unique symbol = Symbol('out of range');

export function readCell(vector: Vector, index: number): unknown {
  try {
    return vector.get(index);
  } catch {
    return OUT_OF_RANGE;
  }
}

/**
 * The text of a column's values, for the grid, the clipboard and CSV. Exact where JS numbers are
 * not: 64-bit integers (bigint) and decimals keep every digit. Times are ISO 8601 UTC at
 * millisecond precision, because apache-arrow 17's `get` gives every timestamp unit as epoch
 * milliseconds (a fractional number for micro- and nanoseconds).
 */
export function cellFormatter(type: DataType): CellFormatter {
  const text = textOf(type);
  return (value) => (value === null || value === undefined ? '' : value === OUT_OF_RANGE ? 'out of range' : text(value));
}

export type SortDirection = 'asc' | 'desc';
/** A value reduced to something `<` orders correctly; null sorts last. */
export type SortKey = number | bigint | string | boolean | null;

/**
 * The sort key of a column's values: numbers, bigints (Int64, Decimal's unscaled integer — one
 * column has one scale), epoch milliseconds for times, booleans and strings stay comparable with
 * `<`; nested and binary values compare by their text.
 */
export function sortKey(type: DataType): (value: unknown) => SortKey {
  const text = textOf(type);
  const decimal = DataType.isDecimal(type);
  return (value) => {
    if (value === null || value === undefined || value === OUT_OF_RANGE) return null;
    if (decimal) return decimalToBigInt(value as Uint32Array);
    return typeof value === 'object' ? text(value) : (value as SortKey);
  };
}

/**
 * Orders two sort keys in `direction`. Nulls come last in both directions, so a caller sorting
 * descending passes 'desc' rather than negating an ascending result. NaN is above every number
 * (as in DuckDB). Strings compare by code unit, not locale, so the order is the same everywhere.
 */
export function compareKeys(a: SortKey, b: SortKey, direction: SortDirection): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = a < b || (isNaNKey(b) && !isNaNKey(a)) ? -1 : b < a || (isNaNKey(a) && !isNaNKey(b)) ? 1 : 0;
  return direction === 'asc' ? order : -order;
}

/** A comparator over values as `vector.get(i)` returns them; see {@link compareKeys} for the order. */
export function compareCells(type: DataType, direction: SortDirection = 'asc'): (a: unknown, b: unknown) => number {
  const key = sortKey(type);
  return (a, b) => compareKeys(key(a), key(b), direction);
}

/** A decimal as apache-arrow 17 gives it (32-bit words, little-endian, two's complement) as its unscaled integer. */
export function decimalToBigInt(words: ArrayLike<number>): bigint {
  let n = 0n;
  for (let i = words.length - 1; i >= 0; i--) n = (n << 32n) | BigInt(words[i]);
  const bits = BigInt(words.length * 32);
  return n >> (bits - 1n) ? n - (1n << bits) : n;
}

function isNaNKey(k: SortKey): boolean {
  return typeof k === 'number' && Number.isNaN(k);
}

/** The text of a non-null value of `type`. */
function textOf(type: DataType): (value: unknown) => string {
  if (DataType.isDecimal(type)) return (v) => decimalText(decimalToBigInt(v as Uint32Array), type.scale);
  if (DataType.isTimestamp(type)) return (v) => isoOrRaw(v as number, (iso) => iso);
  if (DataType.isDate(type)) return (v) => isoOrRaw(v as number, (iso) => iso.slice(0, iso.indexOf('T')));
  if (DataType.isTime(type)) return (v) => timeOfDay(v as number | bigint, type.unit);
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type)) return (v) => hex(v as Uint8Array);
  if (DataType.isDictionary(type)) return textOf(type.dictionary);
  if (isNested(type)) {
    const json = jsonOf(type);
    return (v) => JSON.stringify(json(v));
  }
  return plainText;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Nested values as JSON whose leaves are written as the grid writes them (bigints and decimals as strings). */
function jsonOf(type: DataType): (value: unknown) => Json {
  const orNull = (f: (v: unknown) => Json) => (v: unknown): Json => (v === null || v === undefined ? null : f(v));
  if (DataType.isList(type) || DataType.isFixedSizeList(type)) {
    const item = jsonOf(type.valueType);
    return orNull((v) => Array.from({ length: (v as Vector).length }, (_, i) => item((v as Vector).get(i))));
  }
  if (DataType.isStruct(type)) {
    const fields = type.children.map((f) => ({ name: f.name, json: jsonOf(f.type) }));
    // A struct value is a proxy that reads each field by name.
    return orNull((v) => Object.fromEntries(fields.map((f) => [f.name, f.json((v as Record<string, unknown>)[f.name])])));
  }
  if (DataType.isMap(type)) {
    const key = cellFormatter(type.keyType);
    const value = jsonOf(type.valueType);
    return orNull((v) => Object.fromEntries(Array.from(v as Iterable<[unknown, unknown]>, ([k, x]) => [key(k), value(x)])));
  }
  if (DataType.isDictionary(type)) return jsonOf(type.dictionary);
  if (DataType.isBool(type) || DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return orNull((v) => v as boolean | string);
  const text = textOf(type);
  if (DataType.isInt(type) || DataType.isFloat(type)) return orNull((v) => (typeof v === 'number' && Number.isFinite(v) ? v : text(v)));
  return orNull(text);
}

function isNested(type: DataType): boolean {
  return DataType.isList(type) || DataType.isFixedSizeList(type) || DataType.isStruct(type) || DataType.isMap(type);
}

/** Numbers, bigints and booleans as JS writes them (NaN, Infinity); anything else (unions, intervals) as JSON. */
function plainText(v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v);
  const plain = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number | bigint>) : v;
  return JSON.stringify(plain, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${unscaled < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Floors to the millisecond (a microsecond timestamp before 1970 must not round up); outside Date's range, the number itself. */
function isoOrRaw(ms: number, shape: (iso: string) => string): string {
  const d = new Date(Math.floor(ms));
  return Number.isNaN(d.getTime()) ? String(ms) : shape(d.toISOString());
}

/** Time of day: seconds and milliseconds come as numbers, micro- and nanoseconds as bigints. */
function timeOfDay(value: number | bigint, unit: TimeUnit): string {
  const digits = unit * 3; // TimeUnit counts SECOND=0 … NANOSECOND=3
  const perSecond = 10n ** BigInt(digits);
  const v = BigInt(value);
  const s = v / perSecond;
  const hms = [s / 3600n, (s / 60n) % 60n, s % 60n].map((n) => n.toString().padStart(2, '0')).join(':');
  return digits ? `${hms}.${(v % perSecond).toString().padStart(digits, '0')}` : hms;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
