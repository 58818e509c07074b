import type { MetadataEventJson } from '../chain/metadata-block';
import { encodeStoredCell } from '../data/cell-codec';
import type { Cell, Row } from '../data/row';
import { SluiceError } from '../errors';
import type { DataSchema, DataType } from '../odf/data-type';
import type { JsonValue } from '../data/row';
import type { CommittedSlice, StagedBatch, StagedRow, StoredRow } from './ports';
import { arrowSchemaKey, sliceArrowSegment } from './slice-arrow';
import { decodeStoredData, encodeSliceLine, SliceBytes, type SliceRow } from './slice-encoding';
import { dataSchemaOf, layoutFromDataSchema, type SliceLayout } from './slice-layout';

/**
 * Turns merged rows into a committable slice (pure): fills null event times with the commit's
 * system time (MQTT reports no source event time), assigns contiguous offsets in the strategy's
 * order, advances the watermark (never backwards), hashes the slice and writes the ODF events:
 * SetDataSchema when the data schema is new or changed, then AddData.
 */
export interface StagedSlice {
  /** The merged rows, their event times filled in, as the key state must record them. */
  committedRows: Row[];
  slice: CommittedSlice;
  watermark: Date | null;
  events: MetadataEventJson[];
  /** Set when this slice introduces the dataset's data schema. */
  dataSchema?: DataSchema;
}

export function stageSlice(args: {
  merged: Row[];
  /** `toStagedRow` of each merged row when the caller already made it (a pull's staged rows): not made again. */
  stored?: readonly StagedRow[];
  layout: SliceLayout;
  systemTime: Date;
  nextOffset: bigint;
  prevWatermark: Date | null;
  committedDataSchema: DataSchema | null;
}): StagedSlice | undefined {
  const { merged, stored, layout, systemTime, nextOffset, prevWatermark } = args;
  if (merged.length === 0) return undefined;
  const committedRows = fillEventTimes(merged, layout, systemTime);
  const storedRows: StoredRow[] = new Array(committedRows.length);
  const bytes = new SliceBytes(committedRows.length);
  let maxEventMs = prevWatermark?.getTime() ?? -Infinity;
  // One line's fields, reused row after row: the encoder keeps nothing of it.
  const line: SliceRow = { offset: 0n, op: 0, systemTime, eventTime: systemTime, data: {} };
  for (let i = 0; i < committedRows.length; i++) {
    const row = committedRows[i];
    const { op, eventTime, data } = stored?.[i] ?? toStagedRow(row, layout);
    if (eventTime.getTime() > maxEventMs) maxEventMs = eventTime.getTime();
    const offset = nextOffset + BigInt(i);
    storedRows[i] = { offset, op, systemTime, eventTime, data };
    line.offset = offset;
    line.op = op;
    line.eventTime = eventTime;
    line.data = row;
    bytes.add(encodeSliceLine(line, layout));
  }
  const { hash, size, bytes: canonical } = bytes.finish();
  const offsetStart = nextOffset;
  const offsetEnd = nextOffset + BigInt(merged.length - 1);
  const watermark = new Date(maxEventMs);
  const schema = dataSchemaOf(layout);
  const schemaChanged = JSON.stringify(schema) !== JSON.stringify(args.committedDataSchema);
  const events: MetadataEventJson[] = [];
  if (schemaChanged) events.push({ kind: 'SetDataSchema', schema });
  events.push({
    kind: 'AddData',
    ...(nextOffset > 0n ? { prevOffset: Number(nextOffset - 1n) } : {}),
    newData: {
      logicalHash: hash,
      physicalHash: hash,
      offsetInterval: { start: Number(offsetStart), end: Number(offsetEnd) },
      size,
    },
    newWatermark: watermark.toISOString(),
  });
  return {
    committedRows,
    slice: { offsetStart, offsetEnd, hash, size, rows: storedRows, canonical, arrow: { segment: sliceArrowSegment(storedRows, layout, committedRows), schemaKey: arrowSchemaKey(layout) } },
    watermark,
    events,
    ...(schemaChanged ? { dataSchema: schema } : {}),
  };
}

/**
 * Fills null event times with `systemTime` (MQTT reports no source event time) and returns the
 * rows, as the key state and the slice record them. Merge output rows are fresh objects
 * (MergeStrategy contract), so filling them in place is safe; filled rows stay as they are.
 */
export function fillEventTimes(merged: Row[], layout: SliceLayout, systemTime: Date): Row[] {
  const column = layout.vocab.eventTimeColumn;
  const now = layout.eventTimeType.kind === 'Date' ? systemTime.toISOString().slice(0, 10) : systemTime.getTime();
  for (const row of merged) row[column] ??= now;
  return merged;
}

/** The row a staged (or stored) row was made from: `toStagedRow`'s inverse. */
export function fromStagedRow(r: StagedRow, layout: SliceLayout): Row {
  const v = layout.vocab;
  return {
    [v.operationTypeColumn]: r.op,
    ...decodeStoredData(r.data, layout),
    [v.eventTimeColumn]: layout.eventTimeType.kind === 'Date' ? r.eventTime.toISOString().slice(0, 10) : r.eventTime.getTime(),
  };
}

/** A merged row (event time filled) as stored: op, event time and the data columns' lossless JSON. */
export function toStagedRow(row: Row, layout: SliceLayout): StagedRow {
  const v = layout.vocab;
  const data: JsonValue[] = layout.dataFields.map((f) => encodeStoredCell(f.type, row[f.name] ?? null));
  return { op: Number(row[v.operationTypeColumn]), eventTime: eventCellToDate(row[v.eventTimeColumn] ?? null), data };
}

/**
 * A killed pull's staged rows as `layout` stores them. They were acknowledged to the broker, so
 * they are published whatever the read schema has become since: a batch staged under another data
 * schema is taken over by column name (a column the schema gained is null, one it lost is left
 * out). A column whose type changed cannot be: its cells were encoded for the old type, so this is
 * refused, naming it, until the type is back (nothing staged is lost meanwhile).
 */
export function takeOverStaged(batches: StagedBatch[], layout: SliceLayout, dataset: string): StagedRow[] {
  const now = dataSchemaOf(layout).fields;
  const nowJson = JSON.stringify(now);
  const rows: StagedRow[] = [];
  for (const batch of batches) {
    // Staged before batches recorded their schema, or under this very one: by position, as stored.
    if (!batch.dataSchema || JSON.stringify(batch.dataSchema.fields) === nowJson) {
      for (const r of batch.rows) rows.push(r);
      continue;
    }
    const was = batch.dataSchema.fields;
    // Offset, op and system time lead both schemas; the event time is kept apart in a staged row.
    for (const f of was.slice(SYSTEM_COLUMNS)) {
      const next = now.find((n) => n.name === f.name);
      if (next && JSON.stringify(next.type) !== JSON.stringify(f.type)) {
        const staged = batches.filter((b) => b.dataSchema && JSON.stringify(b.dataSchema.fields) !== nowJson).reduce((n, b) => n + b.rows.length, 0);
        throw new SluiceError(
          'SCHEMA_INVALID',
          `dataset "${dataset}": an interrupted pull staged ${staged} rows (acknowledged to the broker, not yet in a slice) with column "${f.name}" as ${typeName(f.type)}; ` +
            `the read schema now makes it ${typeName(next.type)}. Change it back until a pull has published them, then change it`,
        );
      }
    }
    const wasData = layoutFromDataSchema(batch.dataSchema, layout.vocab).dataFields;
    const from = layout.dataFields.map((f) => wasData.findIndex((w) => w.name === f.name));
    for (const r of batch.rows) rows.push({ op: r.op, eventTime: r.eventTime, data: from.map((i) => (i === -1 ? null : (r.data[i] ?? null))) });
  }
  return rows;
}

/** Columns of a data schema before the event time: offset, op, system time. */
const SYSTEM_COLUMNS = 3;

const typeName = (t: DataType): string => (t.kind === 'Option' ? `optional ${typeName(t.inner)}` : t.kind);

/** Event-time cells are epoch milliseconds (Timestamp) or "YYYY-MM-DD" (Date). */
function eventCellToDate(cell: Cell): Date {
  if (typeof cell === 'number') return new Date(cell);
  if (typeof cell === 'string') return new Date(`${cell}T00:00:00.000Z`);
  throw new Error(`unexpected event-time cell ${String(cell)}`);
}
