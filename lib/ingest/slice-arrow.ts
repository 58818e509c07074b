import { createHash } from 'node:crypto';
import { Bool, DateDay, Float64, Int32, Int64, Int8, Table, TimestampMillisecond, Uint64, Utf8, makeVector, tableToIPC, vectorFromArray, type DataType as ArrowType, type Vector } from 'apache-arrow';
import { decodeStoredCell } from '../data/cell-codec';
import { deflateSegment, type DeflateSegment } from '../data/deflate-segments';
import type { Cell, Row } from '../data/row';
import { unwrapOption, type DataType } from '../odf/data-type';
import type { StoredRow } from './ports';
import type { SliceLayout } from './slice-layout';

/**
 * A slice's rows as an Arrow IPC stream, the format DuckDB-WASM reads without any extension:
 * system columns first (offset Int64, op Int8, system_time and event_time as ms timestamps, or
 * event_time as a date), then the data columns typed — integers that fit 32 bits as Int32, other
 * integers as Int64, floats as Float64, booleans, timestamps (ms, UTC), dates — and everything else
 * as text: decimals as their exact digits (the reader casts them back to DECIMAL), nested values
 * as JSON. Written once per slice at commit, since slices never change. `cells`, when the caller
 * holds the rows typed (a commit's merged rows, `rows[i]`'s cells by column name), spares decoding
 * their stored JSON again.
 */
export function sliceArrowIpc(rows: readonly StoredRow[], layout: SliceLayout, cells?: readonly Row[]): Uint8Array {
  const v = layout.vocab;
  const n = rows.length;
  const offsets = new BigInt64Array(n);
  const ops = new Int8Array(n);
  rows.forEach((r, i) => {
    offsets[i] = r.offset;
    ops[i] = r.op;
  });
  const eventTime: Vector =
    layout.eventTimeType.kind === 'Date'
      ? makeVector({ type: new DateDay(), data: Int32Array.from(rows, (r) => Math.floor(r.eventTime.getTime() / 86_400_000)) })
      : makeVector({ type: new TimestampMillisecond(), data: int64FromMs(n, (i) => rows[i].eventTime.getTime()) });
  const columns: Record<string, Vector> = {
    [v.offsetColumn]: makeVector({ type: new Int64(), data: offsets }),
    [v.operationTypeColumn]: makeVector({ type: new Int8(), data: ops }),
    [v.systemTimeColumn]: makeVector({ type: new TimestampMillisecond(), data: int64FromMs(n, (i) => rows[i].systemTime.getTime()) }),
    [v.eventTimeColumn]: eventTime,
  };
  layout.dataFields.forEach((f, j) => {
    const cellAt = cells ? (i: number) => cells[i][f.name] ?? null : (i: number) => decodeStoredCell(f.type, rows[i].data[j] ?? null);
    columns[f.name] = dataVector(arrowColumn(f.type), n, cellAt);
  });
  return tableToIPC(new Table(columns), 'stream');
}

/**
 * A data column of `n` cells: a null-free column of a type directVector writes is written in one
 * pass straight into its typed array; any other (or one whose pass meets a null) goes through
 * vectorFromArray, which writes the same bytes value by value.
 */
function dataVector({ type, convert }: ArrowColumn, n: number, cellAt: (i: number) => Cell): Vector {
  const converted = (i: number) => {
    const cell = cellAt(i);
    return cell === null ? null : convert(cell);
  };
  return directVector(type, n, converted) ?? vectorFromArray(Array.from({ length: n }, (_, i) => converted(i)), type);
}

/**
 * A null-free Float64, Int32, Int64, millisecond timestamp or Utf8 column straight into typed
 * arrays, the values `valueAt` converts: the same vector (and IPC bytes) vectorFromArray builds,
 * without its per-value builder calls and per-string TextEncoder buffers. Undefined, as soon as
 * a value is null, or for any other type. A value is stored as the typed array converts it, as
 * `TypedArray.from` of the values did.
 */
function directVector(type: ArrowType, n: number, valueAt: (i: number) => unknown): Vector | undefined {
  if (type instanceof Float64) {
    const data = filled(new Float64Array(n), valueAt);
    return data && makeVector({ type, data });
  }
  if (type instanceof Int32) {
    const data = filled(new Int32Array(n), valueAt);
    return data && makeVector({ type, data });
  }
  if (type instanceof Int64) {
    const data = filled(new BigInt64Array(n), valueAt);
    return data && makeVector({ type, data });
  }
  if (type instanceof TimestampMillisecond) {
    const ms = filled(new Array<number>(n), valueAt);
    return ms && makeVector({ type, data: int64FromMs(n, (i) => ms[i]) });
  }
  if (type instanceof Utf8) {
    const values = filled(new Array<string>(n), valueAt);
    return values && utf8Vector(type, values);
  }
  return undefined;
}

/** `data` with every value in (as its element type converts it), or undefined at the first null. */
function filled<T extends { length: number; [i: number]: unknown }>(data: T, valueAt: (i: number) => unknown): T | undefined {
  for (let i = 0; i < data.length; i++) {
    const value = valueAt(i);
    if (value === null) return undefined;
    data[i] = value;
  }
  return data;
}

/**
 * Epoch milliseconds as an int64 array without a BigInt per value: a safe integer is written as
 * its two's-complement low and high 32-bit words, little-endian as Arrow's buffers are (and the
 * typed arrays apache-arrow writes, on every platform Node runs this on); anything else (NaN, a
 * fraction) goes through BigInt(), which throws for it as before.
 */
function int64FromMs(n: number, msAt: (i: number) => number): BigInt64Array {
  const data = new BigInt64Array(n);
  const words = new Int32Array(data.buffer);
  for (let i = 0; i < n; i++) {
    const ms = msAt(i);
    if (Number.isSafeInteger(ms)) {
      words[2 * i] = ms; // ToInt32: the low 32 bits
      words[2 * i + 1] = Math.floor(ms / 4_294_967_296);
    } else data[i] = BigInt(ms);
  }
  return data;
}

/** Values a utf8Vector write takes at once. */
const UTF8_CHUNK = 64;

/**
 * Strings written once into one UTF-8 buffer, with Arrow's int32 value offsets. Values go in 64 at
 * a time (a Buffer write per value cost more in the call than in the copy): when a chunk's bytes
 * are as many as its characters, all were ASCII and each value's bytes are its characters;
 * otherwise the chunk is written again value by value, for their offsets.
 */
function utf8Vector(type: Utf8, values: string[]): Vector {
  const valueOffsets = new Int32Array(values.length + 1);
  // A UTF-16 code unit takes at most 3 UTF-8 bytes: one allocation holds every string.
  let capacity = 0;
  for (const v of values) capacity += v.length;
  const bytes = Buffer.allocUnsafe(capacity * 3);
  let end = 0;
  for (let start = 0; start < values.length; start += UTF8_CHUNK) {
    const stop = Math.min(start + UTF8_CHUNK, values.length);
    let chunk = '';
    for (let i = start; i < stop; i++) chunk += values[i];
    const written = bytes.write(chunk, end, 'utf8');
    if (written === chunk.length) {
      for (let i = start; i < stop; i++) valueOffsets[i + 1] = valueOffsets[i] + values[i].length;
      end += written;
    } else {
      for (let i = start; i < stop; i++) {
        end += bytes.write(values[i], end, 'utf8');
        valueOffsets[i + 1] = end;
      }
    }
  }
  return makeVector({ type, data: new Uint8Array(bytes.buffer, bytes.byteOffset, end), valueOffsets });
}

/**
 * Arrow IPC stream framing (https://arrow.apache.org/docs/format/Columnar.html#ipc-streaming-format):
 * a schema message, record batch messages, an end-of-stream marker. Every message starts with the
 * continuation marker 0xFFFFFFFF and the little-endian length of its metadata; a schema has no body.
 */
const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

export function splitIpcStream(ipc: Uint8Array): { schema: Uint8Array; batches: Uint8Array } {
  const view = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  if (view.getUint32(0, true) !== 0xffffffff) throw new Error('not an Arrow IPC stream (no continuation marker)');
  const schemaEnd = 8 + view.getInt32(4, true);
  return { schema: ipc.subarray(0, schemaEnd), batches: ipc.subarray(schemaEnd, ipc.byteLength - EOS.length) };
}

/**
 * A slice's record batches, compressed once at commit: a slice range is served as the layout's
 * schema, the slices' stored segments and the end marker, joined without decoding or recompressing
 * (lib/data/deflate-segments.ts). About 12 bytes a row on the wire for typical sensor readings.
 */
export function sliceArrowSegment(rows: readonly StoredRow[], layout: SliceLayout, cells?: readonly Row[]): DeflateSegment {
  return deflateSegment(splitIpcStream(sliceArrowIpc(rows, layout, cells)).batches);
}

/** The segments that open and close a stream of `layout`'s slices. */
export function arrowStreamEnds(layout: SliceLayout): { head: DeflateSegment; tail: DeflateSegment } {
  return { head: deflateSegment(arrowStreamSchema(layout)), tail: deflateSegment(EOS) };
}

const schemaMessages = new Map<string, Uint8Array>();

/** The schema message that opens a stream of `layout`'s record batches (built once per layout). */
export function arrowStreamSchema(layout: SliceLayout): Uint8Array {
  const key = arrowSchemaKey(layout);
  let schema = schemaMessages.get(key);
  if (!schema) {
    schema = splitIpcStream(sliceArrowIpc([], layout)).schema;
    schemaMessages.set(key, schema);
  }
  return schema;
}

/** Bumped whenever the mapping of ODF types to Arrow (arrowColumn) changes: stored encodings then mismatch. */
const ARROW_ENCODING_VERSION = 1;

/**
 * Identifies the Arrow schema a layout produces: a stored slice encoding is served as is only while
 * the dataset's layout still has this key (a schema change re-encodes older slices on the fly).
 */
export function arrowSchemaKey(layout: SliceLayout): string {
  const v = layout.vocab;
  const shape = [ARROW_ENCODING_VERSION, v.offsetColumn, v.operationTypeColumn, v.systemTimeColumn, v.eventTimeColumn, layout.eventTimeType.kind, ...layout.dataFields.map((f) => [f.name, f.type])];
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}

const same = (c: Cell) => c;
const toBigInt = (c: Cell) => (typeof c === 'bigint' ? c : BigInt(c as number));
const toJsonText = (c: Cell) =>
  typeof c === 'string' ? c : typeof c === 'bigint' ? c.toString() : JSON.stringify(c, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

interface ArrowColumn {
  type: ArrowType;
  convert: (c: Cell) => unknown;
}

function arrowColumn(t: DataType): ArrowColumn {
  switch (unwrapOption(t).kind) {
    case 'Int8':
    case 'Int16':
    case 'Int32':
    case 'UInt8':
    case 'UInt16':
      return { type: new Int32(), convert: same };
    case 'Int64':
    case 'UInt32':
      return { type: new Int64(), convert: toBigInt };
    case 'UInt64':
      return { type: new Uint64(), convert: toBigInt };
    case 'Float16':
    case 'Float32':
    case 'Float64':
      return { type: new Float64(), convert: same };
    case 'Bool':
      return { type: new Bool(), convert: same };
    case 'Timestamp':
      return { type: new TimestampMillisecond(), convert: same };
    case 'Date':
      return { type: new DateDay(), convert: (c) => new Date(`${c as string}T00:00:00Z`) };
    case 'String':
      return { type: new Utf8(), convert: same };
    default:
      return { type: new Utf8(), convert: toJsonText };
  }
}
