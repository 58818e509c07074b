import { createHash } from 'node:crypto';
import { canonicalJson } from '../../data/canonical-json';
import type { Cell, Row } from '../../data/row';
import type { DataSchema } from '../../odf/data-type';
import { readMessage, type ReaderConfig, type ReadResult } from './read-message';

/**
 * Reading ahead: a pull's session thread runs `readMessage` on each message as it arrives, beside
 * the pulling thread's merging and encoding, and sends the typed rows along with the messages in a
 * packed form (a few typed arrays per batch, not one cloned object per cell). The pulling thread
 * unpacks a message's rows from there when it prepares the message, instead of reading it again
 * (a seventh of its work at 45,000 msg/s; `npm run bench:prepare` prints the difference), provided
 * they were read exactly as it would read them: same read step, read schema and payload limit,
 * which `key` names.
 */
export interface ReadAheadPlan {
  /** Names the read step, schema and limit (a hash of them): rows read under another key are not used. */
  key: string;
  read: ReaderConfig;
  readSchema: DataSchema;
  maxPayloadBytes: number;
}

export function readAheadPlan(read: ReaderConfig, readSchema: DataSchema, maxPayloadBytes: number): ReadAheadPlan {
  const key = createHash('sha256').update(canonicalJson({ read, readSchema, maxPayloadBytes })).digest('base64url');
  return { key, read, readSchema, maxPayloadBytes };
}

/** A message's read-ahead result: its batch's results and its place in them. */
export interface ReadAheadRef {
  results: ReadAheadResults;
  index: number;
}

/** Rows and failures of a batch's messages, in message order (see ReadAheadPacker). */
export interface PackedReadResults {
  key: string;
  /** The read schema's field names: each row's cells, in this order. */
  fields: string[];
  /** Per message: its row count, FAILED (its reason is next in `reasons`) or NOT_READ. */
  rowCounts: Int32Array;
  /** Per cell, row after row in schema order: how it is stored (Tag). */
  tags: Uint8Array;
  numbers: Float64Array;
  bigints: BigInt64Array;
  strings: string[];
  /** Cells of any other kind (JSON values, bigints beyond 64 bits), cloned as they are. */
  others: Cell[];
  reasons: string[];
}

const FAILED = -1;
/** The reader threw (an unusable read step): the pulling thread reads the message itself and meets the error there. */
const NOT_READ = -2;

const enum Tag {
  Null,
  False,
  True,
  Number,
  BigInt,
  String,
  Other,
}

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** Reads messages under a plan and packs what it read, until `take`. */
export class ReadAheadPacker {
  private readonly fields: string[];
  private rowCounts: number[] = [];
  private tags: number[] = [];
  private numbers: number[] = [];
  private bigints: bigint[] = [];
  private strings: string[] = [];
  private others: Cell[] = [];
  private reasons: string[] = [];

  constructor(private readonly plan: ReadAheadPlan) {
    this.fields = plan.readSchema.fields.map((f) => f.name);
  }

  read(message: { topic: string; payload: Uint8Array }): void {
    let result: ReadResult;
    try {
      result = readMessage(this.plan.read, this.plan.readSchema, message, { maxPayloadBytes: this.plan.maxPayloadBytes });
    } catch {
      this.rowCounts.push(NOT_READ);
      return;
    }
    if (!result.ok) {
      this.rowCounts.push(FAILED);
      this.reasons.push(result.reason);
      return;
    }
    this.rowCounts.push(result.rows.length);
    for (const row of result.rows) for (const field of this.fields) this.cell(row[field] ?? null);
  }

  private cell(value: Cell): void {
    switch (typeof value) {
      case 'boolean':
        this.tags.push(value ? Tag.True : Tag.False);
        return;
      case 'number':
        this.tags.push(Tag.Number);
        this.numbers.push(value);
        return;
      case 'bigint':
        if (value >= MIN_INT64 && value <= MAX_INT64) {
          this.tags.push(Tag.BigInt);
          this.bigints.push(value);
          return;
        }
        break;
      case 'string':
        this.tags.push(Tag.String);
        this.strings.push(value);
        return;
      default:
        if (value === null) {
          this.tags.push(Tag.Null);
          return;
        }
    }
    this.tags.push(Tag.Other);
    this.others.push(value);
  }

  /** What was read since the last take, packed; the packer starts empty again. */
  take(): PackedReadResults {
    const packed: PackedReadResults = {
      key: this.plan.key,
      fields: this.fields,
      rowCounts: Int32Array.from(this.rowCounts),
      tags: Uint8Array.from(this.tags),
      numbers: Float64Array.from(this.numbers),
      bigints: BigInt64Array.from(this.bigints),
      strings: this.strings,
      others: this.others,
      reasons: this.reasons,
    };
    this.rowCounts = [];
    this.tags = [];
    this.numbers = [];
    this.bigints = [];
    this.strings = [];
    this.others = [];
    this.reasons = [];
    return packed;
  }
}

/** The buffers of a packed batch that can move to another thread without a copy. */
export function packedTransferables(p: PackedReadResults): ArrayBuffer[] {
  return [p.rowCounts.buffer, p.tags.buffer, p.numbers.buffer, p.bigints.buffer] as ArrayBuffer[];
}

/** Bytes a cell holds packed, about (a tag, a number or a reference): what the pull counts it as. */
export const PACKED_BYTES_PER_CELL = 16;

/** The memory a packed batch holds, about: what flow control between the threads counts. */
export function packedBytes(p: PackedReadResults): number {
  let bytes = p.rowCounts.byteLength + p.tags.length * PACKED_BYTES_PER_CELL;
  for (const s of p.strings) bytes += 2 * s.length;
  for (const r of p.reasons) bytes += 2 * r.length;
  return bytes;
}

/** Per message, where its cells, numbers, bigints, strings, others and reason start. */
const CURSORS = 6;

/**
 * A batch's read-ahead results on the pulling thread. A message's rows are made when the pull asks
 * for them (`at`, in prepare), not when the batch arrives: rows weigh many times their packed
 * cells, and a pull holds messages long before it prepares them (its queue, and a cap's worth read
 * ahead for the next pull of its run). Rows come out as readMessage made them: the schema's
 * fields, in schema order.
 */
export class ReadAheadResults {
  readonly key: string;
  private cursors: Int32Array | undefined;

  constructor(private readonly p: PackedReadResults) {
    this.key = p.key;
  }

  /** readMessage's result for message `i` of the batch; undefined for one the reader threw on. */
  at(i: number): ReadResult | undefined {
    const p = this.p;
    const count = p.rowCounts[i];
    if (count === NOT_READ) return undefined;
    const c = this.cursorsOf(i);
    if (count === FAILED) return { ok: false, reason: p.reasons[c[5]] };
    let [cell, number, bigint, string, other] = c;
    const rows: Row[] = new Array(count);
    for (let r = 0; r < count; r++) {
      const row: Row = {};
      for (const field of p.fields) {
        let value: Cell;
        switch (p.tags[cell++] as Tag) {
          case Tag.Null:
            value = null;
            break;
          case Tag.False:
            value = false;
            break;
          case Tag.True:
            value = true;
            break;
          case Tag.Number:
            value = p.numbers[number++];
            break;
          case Tag.BigInt:
            value = p.bigints[bigint++];
            break;
          case Tag.String:
            value = p.strings[string++];
            break;
          case Tag.Other:
            value = p.others[other++];
            break;
        }
        row[field] = value;
      }
      rows[r] = row;
    }
    return { ok: true, rows };
  }

  /** Cells message `i` was read into (none when it failed or was not read). */
  cellsOf(i: number): number {
    return Math.max(0, this.p.rowCounts[i]) * this.p.fields.length;
  }

  private cursorsOf(i: number): Int32Array {
    this.cursors ??= this.findCursors();
    return this.cursors.subarray(i * CURSORS, (i + 1) * CURSORS);
  }

  /** One pass over the tags: where each message's values start in each array. */
  private findCursors(): Int32Array {
    const { rowCounts, tags, fields } = this.p;
    const cursors = new Int32Array(rowCounts.length * CURSORS);
    let cell = 0;
    let number = 0;
    let bigint = 0;
    let string = 0;
    let other = 0;
    let reason = 0;
    for (let i = 0; i < rowCounts.length; i++) {
      cursors.set([cell, number, bigint, string, other, reason], i * CURSORS);
      const count = rowCounts[i];
      if (count === FAILED) reason++;
      const end = cell + Math.max(0, count) * fields.length;
      for (; cell < end; cell++) {
        const tag = tags[cell] as Tag;
        if (tag === Tag.Number) number++;
        else if (tag === Tag.BigInt) bigint++;
        else if (tag === Tag.String) string++;
        else if (tag === Tag.Other) other++;
      }
    }
    return cursors;
  }
}
