import { tableFromIPC } from 'apache-arrow';
import { inflateSegment, type DeflateSegment } from '../data/deflate-segments';
import type { JsonValue } from '../data/row';
import { unwrapOption, type DataType } from '../odf/data-type';
import type { StoredRow } from './ports';
import { arrowSchemaKey, arrowStreamSchema } from './slice-arrow';
import type { SliceLayout } from './slice-layout';

/**
 * Committed slices are stored only as their compressed Arrow record batches (slice-arrow.ts):
 * this reads them back into rows. The mapping is lossless for every ODF type, so a decoded slice
 * re-encodes (slice-encoding.ts) to the exact bytes its hash covers: `sluice verify` checks that.
 */

/**
 * The layout a slice was encoded in: `current`, or one it grew from (a data schema only ever
 * appends columns, so older slices hold a prefix of the data columns). Undefined if none matches.
 */
export function layoutOfSchemaKey(current: SliceLayout, schemaKey: string): SliceLayout | undefined {
  for (let n = current.dataFields.length; n >= 0; n--) {
    const layout = n === current.dataFields.length ? current : { ...current, dataFields: current.dataFields.slice(0, n) };
    if (arrowSchemaKey(layout) === schemaKey) return layout;
  }
  return undefined;
}

/**
 * A stored slice segment as rows (data cells in their stored JSON form, like StoredRow's), in
 * offset order. `layout` must be the one the segment was encoded in (layoutOfSchemaKey); the rows'
 * data arrays have its columns, which later columns of the dataset read as null.
 */
export function decodeSliceSegment(segment: DeflateSegment, layout: SliceLayout): StoredRow[] {
  const schema = arrowStreamSchema(layout);
  const batches = inflateSegment(segment);
  const ipc = new Uint8Array(schema.length + batches.length + END_OF_STREAM.length);
  ipc.set(schema, 0);
  ipc.set(batches, schema.length);
  ipc.set(END_OF_STREAM, schema.length + batches.length);
  const table = tableFromIPC(ipc);
  const v = layout.vocab;
  const offsets = table.getChild(v.offsetColumn)!.toArray() as BigInt64Array;
  const ops = table.getChild(v.operationTypeColumn)!.toArray() as Int8Array;
  const systemTimes = table.getChild(v.systemTimeColumn)!;
  const eventTimes = table.getChild(v.eventTimeColumn)!;
  const columns = layout.dataFields.map((f) => ({ vector: table.getChild(f.name)!, read: storedCellReader(f.type) }));
  const rows: StoredRow[] = new Array(table.numRows);
  // Rows of a commit share its system time: one Date per distinct instant.
  let lastSystemMs = NaN;
  let systemTime = new Date(0);
  for (let i = 0; i < table.numRows; i++) {
    const systemMs = systemTimes.get(i) as number;
    if (systemMs !== lastSystemMs) {
      lastSystemMs = systemMs;
      systemTime = new Date(systemMs);
    }
    const data: JsonValue[] = new Array(columns.length);
    for (let j = 0; j < columns.length; j++) {
      const value = columns[j].vector.get(i) as unknown;
      data[j] = value === null ? null : columns[j].read(value);
    }
    rows[i] = { offset: offsets[i], op: ops[i], systemTime, eventTime: new Date(eventTimes.get(i) as number), data };
  }
  return rows;
}

const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Inverse of slice-arrow's arrowColumn, to the stored JSON cell (cell-codec's encodeStoredCell). */
function storedCellReader(type: DataType): (value: unknown) => JsonValue {
  switch (unwrapOption(type).kind) {
    case 'Int8':
    case 'Int16':
    case 'Int32':
    case 'UInt8':
    case 'UInt16':
    case 'Float16':
    case 'Float32':
    case 'Float64':
    case 'Bool':
    case 'String':
    case 'Timestamp': // epoch milliseconds
      return (x) => x as JsonValue;
    case 'UInt32': // a number cell, widened to Int64 in Arrow
      return (x) => Number(x as bigint);
    case 'Int64':
    case 'UInt64': // bigint cells are stored as their digits
      return (x) => (x as bigint).toString();
    case 'Date': // Arrow days arrive as epoch milliseconds
      return (x) => new Date(x as number).toISOString().slice(0, 10);
    case 'List':
    case 'Map':
    case 'Struct':
    case 'Null': // JSON values travel as their JSON text
      return (x) => JSON.parse(x as string) as JsonValue;
    default: // Decimal, Binary, Time as their text; Duration as its digits (its stored form)
      return (x) => x as string;
  }
}


