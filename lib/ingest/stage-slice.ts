import type { MetadataEventJson } from '../chain/metadata-block';
import { encodeStoredCell } from '../data/cell-codec';
import type { Cell, Row } from '../data/row';
import type { DataSchema } from '../odf/data-type';
import type { JsonValue } from '../data/row';
import type { CommittedSlice, StoredRow } from './ports';
import { arrowSchemaKey, sliceArrowSegment } from './slice-arrow';
import { encodeSliceLine, hashSlice } from './slice-encoding';
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
  layout: SliceLayout;
  systemTime: Date;
  nextOffset: bigint;
  prevWatermark: Date | null;
  committedDataSchema: DataSchema | null;
}): StagedSlice | undefined {
  const { merged, layout, systemTime, nextOffset, prevWatermark } = args;
  if (merged.length === 0) return undefined;
  const v = layout.vocab;
  const committedRows: Row[] = [];
  const storedRows: StoredRow[] = [];
  const lines: string[] = [];
  let maxEventMs = prevWatermark?.getTime() ?? -Infinity;
  merged.forEach((row, i) => {
    // Merge output rows are fresh objects (MergeStrategy contract), so filling them in place is safe.
    const eventCell = fillEventTime(row[v.eventTimeColumn] ?? null, layout, systemTime);
    row[v.eventTimeColumn] = eventCell;
    const eventTime = eventCellToDate(eventCell);
    if (eventTime.getTime() > maxEventMs) maxEventMs = eventTime.getTime();
    const offset = nextOffset + BigInt(i);
    const op = Number(row[v.operationTypeColumn]);
    const json: JsonValue[] = layout.dataFields.map((f) => encodeStoredCell(f.type, row[f.name] ?? null));
    committedRows.push(row);
    storedRows.push({ offset, op, systemTime, eventTime, data: json });
    lines.push(encodeSliceLine({ offset, op, systemTime, eventTime, data: row }, layout));
  });
  const { hash, size } = hashSlice(lines);
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
    slice: { offsetStart, offsetEnd, hash, size, rows: storedRows, arrow: { segment: sliceArrowSegment(storedRows, layout), schemaKey: arrowSchemaKey(layout) } },
    watermark,
    events,
    ...(schemaChanged ? { dataSchema: schema } : {}),
  };
}

function fillEventTime(cell: Cell, layout: SliceLayout, systemTime: Date): Cell {
  if (cell !== null) return cell;
  return layout.eventTimeType.kind === 'Date' ? systemTime.toISOString().slice(0, 10) : systemTime.getTime();
}

/** Event-time cells are epoch milliseconds (Timestamp) or "YYYY-MM-DD" (Date). */
function eventCellToDate(cell: Cell): Date {
  if (typeof cell === 'number') return new Date(cell);
  if (typeof cell === 'string') return new Date(`${cell}T00:00:00.000Z`);
  throw new Error(`unexpected event-time cell ${String(cell)}`);
}
