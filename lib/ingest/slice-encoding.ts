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

/**
 * A slice's canonical bytes, taken line by line as the lines are encoded: no line string is kept
 * once written (a 10,000-row slice held all of them, and the GC copied them, until it was hashed),
 * and lines are written 64 at a time (a Buffer write per line cost more in the call than in the
 * copy). Lines end in a newline, so no surrogate pair spans two of them and the bytes are the
 * same as the lines' joined text's.
 */
export class SliceBytes {
  private buffer = Buffer.allocUnsafe(0);
  private size = 0;
  private pending = '';
  private pendingLines = 0;
  private lines = 0;

  /** `lineCount`, the lines the slice will have, sizes the buffer once (a guess: it grows if need be). */
  constructor(private readonly lineCount: number) {}

  add(line: string): void {
    this.pending += line;
    this.lines++;
    if (++this.pendingLines === 64) this.flush();
  }

  /** The slice's hash and size, and the canonical bytes they cover. */
  finish(): { hash: string; size: number; bytes: Buffer } {
    this.flush();
    const bytes = this.buffer.subarray(0, this.size);
    return { hash: sha3Multihash(bytes), size: this.size, bytes };
  }

  private flush(): void {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    const needed = this.size + this.pending.length * 3;
    if (needed > this.buffer.length) {
      const expected = Math.ceil((needed / this.lines) * Math.max(this.lineCount, this.lines));
      const grown = Buffer.allocUnsafe(Math.max(needed, expected, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.size);
      this.buffer = grown;
    }
    this.size += this.buffer.write(this.pending, this.size, 'utf8');
    this.pending = '';
    this.pendingLines = 0;
  }
}

/** The hash and size of a slice of these lines, and the canonical bytes they cover. */
export function hashSlice(lines: readonly string[]): { hash: string; size: number; bytes: Buffer } {
  const bytes = new SliceBytes(lines.length);
  for (const line of lines) bytes.add(line);
  return bytes.finish();
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
