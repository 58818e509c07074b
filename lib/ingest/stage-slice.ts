import type { MetadataEventJson } from '../chain/metadata-block';
import { encodeStoredCell } from '../data/cell-codec';
import type { Cell, Row } from '../data/row';
import type { DataSchema } from '../odf/data-type';
import type { JsonValue } from '../data/row';
import type { CommittedSlice, StagedRow, StoredRow } from './ports';
import { arrowSchemaKey, sliceArrowSegment } from './slice-arrow';
import { decodeStoredData, encodeSliceLine, SliceBytes, type SliceRow } from './slice-encoding';
import { dataSchemaOf, type SliceLayout } from './slice-layout';

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

/** Event-time cells are epoch milliseconds (Timestamp) or "YYYY-MM-DD" (Date). */
function eventCellToDate(cell: Cell): Date {
  if (typeof cell === 'number') return new Date(cell);
  if (typeof cell === 'string') return new Date(`${cell}T00:00:00.000Z`);
  throw new Error(`unexpected event-time cell ${String(cell)}`);
}
