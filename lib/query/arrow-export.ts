import { Bool, DateDay, Float64, Int32, Int64, Int8, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray, type DataType as ArrowType } from 'apache-arrow';
import type { Cell } from '../data/row';
import { committedLayout, getDatasetOrThrow } from '../datasets/dataset-layout';
import { storedToSliceRow } from '../ingest/slice-encoding';
import type { DataType } from '../odf/data-type';
import type { Store } from '../store/open-store';

/**
 * A dataset's committed rows as an Arrow IPC stream, the format DuckDB-WASM reads without any
 * extension: system columns first (offset, op, system_time, event_time), then the data columns,
 * typed (integers, floats, booleans, timestamps in ms UTC, dates); other types as text (JSON for
 * nested values, decimal digits for decimals).
 */
export async function datasetToArrowIpc(store: Store, ref: string): Promise<Uint8Array> {
  const d = await getDatasetOrThrow((n) => store.datasets.find(n), ref);
  const layout = committedLayout(d);
  if (!layout) return tableToIPC(new Table({}), 'stream');
  const v = layout.vocab;
  const columns: { name: string; type: ArrowType; values: unknown[]; convert: (c: Cell) => unknown }[] = [
    { name: v.offsetColumn, type: new Int64(), values: [], convert: (c) => c },
    { name: v.operationTypeColumn, type: new Int8(), values: [], convert: (c) => c },
    { name: v.systemTimeColumn, type: new TimestampMillisecond(), values: [], convert: (c) => c },
    layout.eventTimeType.kind === 'Date'
      ? { name: v.eventTimeColumn, type: new DateDay(), values: [], convert: (c) => (c === null ? null : new Date(`${c}T00:00:00Z`)) }
      : { name: v.eventTimeColumn, type: new TimestampMillisecond(), values: [], convert: (c) => c },
    ...layout.dataFields.map((f) => ({ name: f.name, ...arrowColumn(f.type), values: [] as unknown[] })),
  ];
  for await (const batch of store.ingest.readRows(d.num)) {
    for (const stored of batch) {
      const r = storedToSliceRow(stored, layout);
      const cells: Cell[] = [r.offset, r.op, r.systemTime.getTime(), layout.eventTimeType.kind === 'Date' ? r.eventTime.toISOString().slice(0, 10) : r.eventTime.getTime(), ...layout.dataFields.map((f) => r.data[f.name] ?? null)];
      cells.forEach((c, i) => columns[i].values.push(c === null ? null : columns[i].convert(c)));
    }
  }
  return tableToIPC(new Table(Object.fromEntries(columns.map((c) => [c.name, vectorFromArray(c.values, c.type)]))), 'stream');
}

function arrowColumn(t: DataType): { type: ArrowType; convert: (c: Cell) => unknown } {
  const kind = t.kind === 'Option' ? t.inner.kind : t.kind;
  const same = (c: Cell) => c;
  switch (kind) {
    case 'Int8':
    case 'Int16':
    case 'Int32':
    case 'UInt8':
    case 'UInt16':
      return { type: new Int32(), convert: same };
    case 'Int64':
    case 'UInt32':
    case 'UInt64':
      return { type: new Int64(), convert: (c) => (typeof c === 'bigint' ? c : BigInt(c as number)) };
    case 'Float16':
    case 'Float32':
    case 'Float64':
      return { type: new Float64(), convert: same };
    case 'Bool':
      return { type: new Bool(), convert: same };
    case 'Timestamp':
      return { type: new TimestampMillisecond(), convert: same };
    case 'Date':
      return { type: new DateDay(), convert: (c) => new Date(`${c}T00:00:00Z`) };
    case 'String':
      return { type: new Utf8(), convert: same };
    default:
      return { type: new Utf8(), convert: (c) => (typeof c === 'string' ? c : JSON.stringify(c, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))) };
  }
}
