/**
 * Conversions between outside values and the canonical cells documented in `row.ts`:
 * payload JSON / CSV text → cell (strict, with a precise reason on failure), cell ⇄ stored JSON,
 * cell → display text, plus the equality, hashing and ordering the merge strategies rely on.
 */
import { canonicalJson, jsonString } from './canonical-json';
import { unwrapOption, type DataType, type FloatKind, type IntKind, type TimeUnit } from '../odf/data-type';
import { canonicalDecimal, compareDecimals } from './decimal';
import type { Cell, JsonValue } from './row';
import { canonicalTime, isIsoDate, MAX_EPOCH_MS, parseTimestampMs } from './temporal';

/** A value does not fit its column's type. `message` is the reason alone, e.g. `expected Int32, got string "abc"`. */
export class CellTypeError extends Error {
  override name = 'CellTypeError';
}

const SMALL_INT_RANGE: Record<Exclude<IntKind, 'Int64' | 'UInt64'>, [number, number]> = {
  Int8: [-128, 127],
  Int16: [-32_768, 32_767],
  Int32: [-2_147_483_648, 2_147_483_647],
  UInt8: [0, 255],
  UInt16: [0, 65_535],
  UInt32: [0, 4_294_967_295],
};
const BIG_INT_RANGE = {
  Int64: [-(2n ** 63n), 2n ** 63n - 1n],
  UInt64: [0n, 2n ** 64n - 1n],
} as const;
const FLOAT_MAX: Record<FloatKind, number> = {
  Float16: 65_504,
  Float32: 3.4028234663852886e38,
  Float64: Number.MAX_VALUE,
};
const UNIT_PER_MS: Record<TimeUnit, number> = {
  Second: 1 / 1000,
  Millisecond: 1,
  Microsecond: 1000,
  Nanosecond: 1_000_000,
};
const INTEGER_TEXT_RE = /^[+-]?\d+$/;
const FLOAT_TEXT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Name of a type for messages: `Int32`, `Decimal(10, 2)`, `Option(Float64)`. */
function typeLabel(type: DataType): string {
  switch (type.kind) {
    case 'Decimal':
      return `Decimal(${type.precision}, ${type.scale})`;
    case 'Option':
      return `Option(${typeLabel(type.inner)})`;
    default:
      return type.kind;
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'object':
      return 'object';
    default:
      return `${typeof value} ${String(value)}`;
  }
}

function mismatch(type: DataType, value: unknown): CellTypeError {
  return new CellTypeError(`expected ${typeLabel(type)}, got ${describe(value)}`);
}

function outOfRange(type: DataType, value: unknown): CellTypeError {
  return new CellTypeError(`value ${String(value)} out of range for ${typeLabel(type)}`);
}

function isPlainObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeBigInt(type: DataType, kind: 'Int64' | 'UInt64', value: unknown): bigint {
  let result: bigint;
  if (typeof value === 'number') {
    // JSON numbers beyond 2^53 were already rounded by JSON.parse: refuse rather than store a wrong value.
    if (!Number.isInteger(value)) throw mismatch(type, value);
    if (!Number.isSafeInteger(value)) {
      throw new CellTypeError(
        `number ${value} for ${typeLabel(type)} is beyond ±2^53 and may have lost precision; send it as a decimal string`,
      );
    }
    result = BigInt(value);
  } else if (typeof value === 'string' && INTEGER_TEXT_RE.test(value)) {
    result = BigInt(value);
  } else {
    throw mismatch(type, value);
  }
  const [min, max] = BIG_INT_RANGE[kind];
  if (result < min || result > max) throw outOfRange(type, value);
  return result;
}

function decodeTimestamp(type: Extract<DataType, { kind: 'Timestamp' }>, value: unknown): number {
  let ms: number | undefined;
  if (typeof value === 'string') {
    ms = parseTimestampMs(value);
    if (ms === undefined) throw new CellTypeError(`invalid RFC 3339 timestamp ${JSON.stringify(value)}`);
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    // Epoch number in the field's unit; floor keeps pre-1970 instants in the right millisecond.
    ms = Math.floor(value / UNIT_PER_MS[type.unit ?? 'Millisecond']);
  } else {
    throw mismatch(type, value);
  }
  if (Math.abs(ms) > MAX_EPOCH_MS) throw outOfRange(type, value);
  return ms;
}

/**
 * A value from a parsed JSON payload to the canonical cell of `type`. Strict: no coercion between
 * strings, numbers and booleans, except where JSON cannot carry the type exactly (Int64/UInt64/
 * Duration and Decimal also accept strings; Timestamp accepts RFC 3339 strings or epoch numbers in
 * the field's unit). Floats accept finite JSON numbers only: JSON has no NaN/Infinity and jsonb
 * could not store them. Nested types (List, Struct, Map) are checked for shape only and kept as JSON.
 */
export function decodePayloadCell(type: DataType, value: unknown): Cell {
  if (value === null || value === undefined) {
    if (type.kind === 'Option' || type.kind === 'Null') return null;
    throw mismatch(type, null);
  }
  switch (type.kind) {
    case 'Option':
      return decodePayloadCell(type.inner, value);
    case 'Null':
      throw mismatch(type, value);
    case 'Bool':
      if (typeof value === 'boolean') return value;
      throw mismatch(type, value);
    case 'Int8':
    case 'Int16':
    case 'Int32':
    case 'UInt8':
    case 'UInt16':
    case 'UInt32': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw mismatch(type, value);
      const [min, max] = SMALL_INT_RANGE[type.kind];
      if (value < min || value > max) throw outOfRange(type, value);
      return value === 0 ? 0 : value; // normalises -0
    }
    case 'Int64':
    case 'UInt64':
      return decodeBigInt(type, type.kind, value);
    case 'Duration':
      return decodeBigInt(type, 'Int64', value);
    case 'Float16':
    case 'Float32':
    case 'Float64':
      if (typeof value !== 'number' || Number.isNaN(value)) throw mismatch(type, value);
      if (Math.abs(value) > FLOAT_MAX[type.kind]) throw outOfRange(type, value); // incl. JSON's 1e999 → Infinity
      return value;
    case 'Decimal': {
      if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw mismatch(type, value);
      }
      const result = canonicalDecimal(String(value), type.precision, type.scale);
      if (result.ok) return result.value;
      if (result.problem === 'syntax') throw mismatch(type, value);
      throw new CellTypeError(
        result.problem === 'scale'
          ? `value ${String(value)} has more than ${type.scale} fraction digits for ${typeLabel(type)}`
          : `value ${String(value)} has more than ${type.precision - type.scale} integer digits for ${typeLabel(type)}`,
      );
    }
    case 'String':
      if (typeof value === 'string') return value;
      throw mismatch(type, value);
    case 'Binary': {
      if (typeof value !== 'string' || !BASE64_RE.test(value)) throw mismatch(type, value);
      const bytes = (value.length / 4) * 3 - (value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0);
      if (type.fixedLength !== undefined && bytes !== type.fixedLength) {
        throw new CellTypeError(`expected ${type.fixedLength} bytes for Binary, got ${bytes}`);
      }
      return value;
    }
    case 'Date':
      if (typeof value !== 'string') throw mismatch(type, value);
      if (!isIsoDate(value)) throw new CellTypeError(`invalid date ${JSON.stringify(value)} (expected YYYY-MM-DD)`);
      return value;
    case 'Time': {
      if (typeof value !== 'string') throw mismatch(type, value);
      const time = canonicalTime(value);
      if (time === undefined) throw new CellTypeError(`invalid time ${JSON.stringify(value)} (expected HH:MM:SS[.fff])`);
      return time;
    }
    case 'Timestamp':
      return decodeTimestamp(type, value);
    case 'List':
      if (!Array.isArray(value)) throw mismatch(type, value);
      return withinNesting(type, value) as JsonValue[];
    case 'Struct':
    case 'Map':
      if (!isPlainObject(value)) throw mismatch(type, value);
      return withinNesting(type, value);
  }
}

/**
 * How deep a nested cell's JSON may go. Every consumer of a cell (the slice encoder's
 * JSON.stringify, structured clone between threads, Arrow) recurses through it: a 10 kB payload
 * nested 5,000 deep overflowed their stacks, and as the broker redelivered it, failed every pull.
 */
export const MAX_CELL_NESTING = 64;

function withinNesting<T>(type: DataType, value: T): T {
  if (nestingDepth(value, MAX_CELL_NESTING + 1) > MAX_CELL_NESTING) throw new CellTypeError(`${typeLabel(type)} value nested deeper than ${MAX_CELL_NESTING} levels`);
  return value;
}

/** Depth of arrays and objects in `value`, counted no further than `limit` (iteratively: no stack to overflow). */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest >= limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * CSV text to the canonical cell of `type`, by the same rules as `decodePayloadCell` once the text
 * is read as the JSON value it stands for: integers and floats from numeric text, booleans from
 * `true`/`false` (any case), nested types from JSON text. Null handling (`nullValue`) is the reader's.
 */
export function decodeTextCell(type: DataType, text: string): Cell {
  switch (type.kind) {
    case 'Option':
      return decodeTextCell(type.inner, text);
    case 'Int8':
    case 'Int16':
    case 'Int32':
    case 'UInt8':
    case 'UInt16':
    case 'UInt32':
      return decodePayloadCell(type, INTEGER_TEXT_RE.test(text) ? Number(text) : text);
    case 'Float16':
    case 'Float32':
    case 'Float64':
      return decodePayloadCell(type, FLOAT_TEXT_RE.test(text) ? Number(text) : text);
    case 'Bool': {
      const lower = text.toLowerCase();
      return decodePayloadCell(type, lower === 'true' ? true : lower === 'false' ? false : text);
    }
    case 'Timestamp':
      return decodePayloadCell(type, INTEGER_TEXT_RE.test(text) ? Number(text) : text);
    case 'List':
    case 'Struct':
    case 'Map':
    case 'Null': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw mismatch(type, text);
      }
      return decodePayloadCell(type, parsed);
    }
    default:
      return decodePayloadCell(type, text);
  }
}

function holdsBigInt(type: DataType): boolean {
  const kind = unwrapOption(type).kind;
  return kind === 'Int64' || kind === 'UInt64' || kind === 'Duration';
}

/** A cell as JSON for Postgres jsonb, losslessly: bigint becomes its decimal digits as a string. */
export function encodeStoredCell(type: DataType, cell: Cell): JsonValue {
  if (cell === null) return null;
  if (holdsBigInt(type) !== (typeof cell === 'bigint')) {
    throw new CellTypeError(`cannot store ${describe(cell)} in a ${typeLabel(type)} column`);
  }
  return typeof cell === 'bigint' ? cell.toString() : cell;
}

/** Inverse of `encodeStoredCell`. */
export function decodeStoredCell(type: DataType, json: JsonValue): Cell {
  if (json === null || !holdsBigInt(type)) return json;
  if ((typeof json === 'string' && INTEGER_TEXT_RE.test(json)) || (typeof json === 'number' && Number.isInteger(json))) {
    return BigInt(json);
  }
  throw new CellTypeError(`stored ${describe(json)} is not a valid ${typeLabel(type)}`);
}


/** One cell as a tagged string; the tag keeps bigint 1n, number 1 and string "1" apart. */
function keyPart(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return 'n';
  switch (typeof cell) {
    case 'boolean':
      return cell ? 't' : 'f';
    case 'number':
      return `d${String(cell)}`; // String(-0) === "0": equal numbers share a key
    case 'bigint':
      return `i${cell}`;
    case 'string':
      return `s${cell}`;
    default:
      return `j${canonicalJson(cell)}`;
  }
}

/**
 * Canonical, injective string for a tuple of cells (e.g. a primary key): equal tuples, and only
 * those, share a key. Null equals null here (grouping semantics), unlike SQL join equality.
 */
export function cellKey(cells: readonly (Cell | undefined)[]): string {
  return JSON.stringify(cells.map(keyPart));
}

/**
 * `cellKey` of a row's cells in `columns`, without the intermediate array (merges compute it
 * for every row, three times a batch). The same string, built by hand: the key is stored (key
 * state) and hashed (Ledger's seen keys), so it must never differ from `cellKey`'s.
 */
export function rowCellKey(columns: readonly string[], row: { readonly [column: string]: Cell | undefined }): string {
  let key = '[';
  for (let i = 0; i < columns.length; i++) {
    if (i) key += ',';
    const cell = row[columns[i]];
    // The common key cells (times, ids) quoted by hand: a number's part needs no escaping.
    if (typeof cell === 'number') key += `"d${String(cell)}"`;
    else if (typeof cell === 'string') key += jsonString(`s${cell}`);
    else key += JSON.stringify(keyPart(cell));
  }
  return `${key}]`;
}

/** SQL `a IS DISTINCT FROM b`: null-safe inequality; nested values compare structurally. */
export function cellsDistinct(a: Cell | undefined, b: Cell | undefined): boolean {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull !== bNull;
  if (typeof a === 'object' || typeof b === 'object') return keyPart(a) !== keyPart(b);
  return a !== b;
}

/**
 * Compares UTF-16 strings in code point order (= UTF-8 byte order, as DataFusion sorts Utf8):
 * surrogates (U+D800–DFFF, i.e. astral characters) must sort after U+E000–FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const fix = (c: number) => (c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c);
      return fix(x) - fix(y);
    }
  }
  return a.length - b.length;
}

/**
 * Type-aware order with nulls first (Kamu sorts `asc nulls first`). Nested values order by their
 * canonical JSON text: deterministic, though not SQL's element-wise order.
 */
export function compareCells(type: DataType, a: Cell | undefined, b: Cell | undefined): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? -1 : 1;
  switch (unwrapOption(type).kind) {
    case 'Decimal':
      return compareDecimals(a as string, b as string);
    case 'String':
      return compareCodePoints(a as string, b as string);
    case 'Binary':
      // atob yields one char per byte, so text order is byte order.
      return compareCodePoints(atob(a as string), atob(b as string));
    case 'List':
    case 'Struct':
    case 'Map':
    case 'Null':
      return compareCodePoints(keyPart(a), keyPart(b));
    default:
      // numbers, bigints, booleans, and Date/Time text whose fixed-width form sorts as written
      return a < b ? -1 : a > b ? 1 : 0;
  }
}

/**
 * A cell as display / CSV-export text: null → "" (callers choose their own placeholder),
 * Timestamp → RFC 3339 UTC with milliseconds, bigint → digits, nested → JSON.
 */
export function formatCell(type: DataType, cell: Cell): string {
  if (cell === null) return '';
  if (unwrapOption(type).kind === 'Timestamp' && typeof cell === 'number') return new Date(cell).toISOString();
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}
