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
  const systemTimes = new BigInt64Array(n);
  rows.forEach((r, i) => {
    offsets[i] = r.offset;
    ops[i] = r.op;
    systemTimes[i] = BigInt(r.systemTime.getTime());
  });
  const eventTime: Vector =
    layout.eventTimeType.kind === 'Date'
      ? makeVector({ type: new DateDay(), data: Int32Array.from(rows, (r) => Math.floor(r.eventTime.getTime() / 86_400_000)) })
      : makeVector({ type: new TimestampMillisecond(), data: BigInt64Array.from(rows, (r) => BigInt(r.eventTime.getTime())) });
  const columns: Record<string, Vector> = {
    [v.offsetColumn]: makeVector({ type: new Int64(), data: offsets }),
    [v.operationTypeColumn]: makeVector({ type: new Int8(), data: ops }),
    [v.systemTimeColumn]: makeVector({ type: new TimestampMillisecond(), data: systemTimes }),
    [v.eventTimeColumn]: eventTime,
  };
  layout.dataFields.forEach((f, j) => {
    const { type, convert } = arrowColumn(f.type);
    const values = rows.map((r, i) => {
      const cell = cells ? (cells[i][f.name] ?? null) : decodeStoredCell(f.type, r.data[j] ?? null);
      return cell === null ? null : convert(cell);
    });
    columns[f.name] = directVector(type, values) ?? vectorFromArray(values, type);
  });
  return tableToIPC(new Table(columns), 'stream');
}

/**
 * A null-free Float64, Int32, Int64, millisecond timestamp or Utf8 column straight from typed
 * arrays: the same vector (and IPC bytes) vectorFromArray builds, without its per-value builder
 * calls and per-string TextEncoder buffers (together a third of a pull's slice encoding).
 */
function directVector(type: ArrowType, values: unknown[]): Vector | undefined {
  if (values.includes(null)) return undefined;
  if (type instanceof Float64) return makeVector({ type, data: Float64Array.from(values as number[]) });
  if (type instanceof Int32) return makeVector({ type, data: Int32Array.from(values as number[]) });
  if (type instanceof Int64) return makeVector({ type, data: BigInt64Array.from(values as bigint[]) });
  if (type instanceof TimestampMillisecond) return makeVector({ type, data: BigInt64Array.from(values as number[], (ms) => BigInt(ms)) });
  if (type instanceof Utf8) return utf8Vector(type, values as string[]);
  return undefined;
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

function arrowColumn(t: DataType): { type: ArrowType; convert: (c: Cell) => unknown } {
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
