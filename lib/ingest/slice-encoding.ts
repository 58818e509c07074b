import { decodeStoredCell } from '../data/cell-codec';
import type { Cell, Row } from '../data/row';
import { unwrapOption, type DataType } from '../odf/data-type';
import { sha3Multihash } from '../chain/hash';
import { jsonString } from '../data/canonical-json';
import { isoTimestamp } from '../data/temporal';
import type { JsonValue } from '../data/row';
import type { StoredRow } from './ports';
import type { SliceLayout } from './slice-layout';

/**
 * The canonical encoding of a data slice, which its hash covers and `sluice export --format ndjson`
 * writes: one JSON object per row, in offset order, each line ending in "\n"; keys in column order
 * (offset, op, system_time, event_time, data columns); timestamps as RFC 3339 UTC with milliseconds,
 * dates as YYYY-MM-DD, 64-bit integers as exact JSON numbers, decimals as strings, nested values as JSON.
 */
export interface SliceRow {
  offset: bigint;
  op: number;
  systemTime: Date;
  eventTime: Date;
  data: Row;
}

export function encodeSliceLine(row: SliceRow, layout: SliceLayout): string {
  return sliceLineEncoder(layout)(row);
}

const encoders = new WeakMap<SliceLayout, (row: SliceRow) => string>();

/**
 * The line encoder of a layout, built once: column names are quoted once, not per row, and the
 * system time (shared by every row of a commit) is formatted once per distinct value.
 */
function sliceLineEncoder(layout: SliceLayout): (row: SliceRow) => string {
  const cached = encoders.get(layout);
  if (cached) return cached;
  const v = layout.vocab;
  const q = (name: string) => `${JSON.stringify(name)}:`;
  const fields = layout.dataFields.map((f) => ({ key: `,${q(f.name)}`, name: f.name, type: f.type }));
  const [offsetKey, opKey, systemKey, eventKey] = [`{${q(v.offsetColumn)}`, `,${q(v.operationTypeColumn)}`, `,${q(v.systemTimeColumn)}`, `,${q(v.eventTimeColumn)}`];
  let lastSystem: Date | undefined;
  let lastSystemJson = '';
  const encoder = (row: SliceRow) => {
    if (row.systemTime !== lastSystem) {
      lastSystem = row.systemTime;
      lastSystemJson = JSON.stringify(row.systemTime.toISOString());
    }
    let line = `${offsetKey}${row.offset}${opKey}${row.op}${systemKey}${lastSystemJson}${eventKey}"${formatEventTime(row.eventTime, layout)}"`;
    for (const f of fields) line += f.key + cellJson(f.type, row.data[f.name] ?? null);
    return `${line}}\n`;
  };
  encoders.set(layout, encoder);
  return encoder;
}

export function formatEventTime(eventTime: Date, layout: SliceLayout): string {
  const iso = isoTimestamp(eventTime.getTime());
  return layout.eventTimeType.kind === 'Date' ? iso.slice(0, 10) : iso;
}

/** JSON.stringify's text for a cell, without its general path for the common cells (a string, a finite number). */
function cellJson(type: DataType, cell: Cell): string {
  if (cell === null) return 'null';
  if (typeof cell === 'string') return jsonString(cell);
  if (typeof cell === 'bigint') return cell.toString();
  if (typeof cell === 'number') {
    // An ISO timestamp holds no character JSON escapes.
    if (unwrapOption(type).kind === 'Timestamp') return `"${isoTimestamp(cell)}"`;
    return Number.isFinite(cell) ? String(cell) : 'null';
  }
  return JSON.stringify(cell);
}

/** The slice's hash and size, and the canonical bytes they cover. */
export function hashSlice(lines: string[]): { hash: string; size: number; bytes: Buffer } {
  // Each line written once into one buffer: joining 10,000 lines into one string first cost as much again.
  let capacity = 0;
  for (const line of lines) capacity += line.length;
  const buffer = Buffer.allocUnsafe(capacity * 3); // a UTF-16 code unit takes at most 3 UTF-8 bytes
  let size = 0;
  // Lines go in 64 at a time: a write per line cost more in the call than in the copy.
  let chunk = '';
  for (let i = 0; i < lines.length; i++) {
    chunk += lines[i];
    if (i % 64 === 63) {
      size += buffer.write(chunk, size, 'utf8');
      chunk = '';
    }
  }
  size += buffer.write(chunk, size, 'utf8');
  const bytes = buffer.subarray(0, size);
  return { hash: sha3Multihash(bytes), size, bytes };
}

/** Stored positional JSON data back to typed cells (columns a shorter, older row lacks are null). */
export function decodeStoredData(data: JsonValue[], layout: SliceLayout): Row {
  const row: Row = {};
  layout.dataFields.forEach((f, i) => (row[f.name] = decodeStoredCell(f.type, data[i] ?? null)));
  return row;
}

export function storedToSliceRow(r: StoredRow, layout: SliceLayout): SliceRow {
  return { offset: r.offset, op: r.op, systemTime: r.systemTime, eventTime: r.eventTime, data: decodeStoredData(r.data, layout) };
}
