import type { Row } from '../data/row';
import { unwrapOption, type DataField, type DataSchema, type DataType } from '../odf/data-type';
import type { DatasetVocab } from '../odf/vocab';
import { SluiceError } from '../errors';

/**
 * How rows of a dataset are laid out. The read schema's event-time column (if any) becomes the
 * `event_time` system column; the other read columns are the data columns, in read order.
 * Slice column order, as in Kamu: offset, op, system_time, event_time, <data columns>.
 */
export interface SliceLayout {
  vocab: DatasetVocab;
  /** Columns the merge strategy sees: the read columns, plus an all-null event time if the read schema lacks one. */
  mergeFields: DataField[];
  /** Data columns stored per row (everything but the event-time and operation-type columns). */
  dataFields: DataField[];
  /** Type of the event-time column: a Timestamp in milliseconds (UTC) or a Date. */
  eventTimeType: Extract<DataType, { kind: 'Timestamp' | 'Date' }>;
}

const TIMESTAMP_MS_UTC = { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' } as const;

/** Kamu casts every timestamp to Timestamp(ms, "UTC") when it writes; so do we, in the data schema. */
function normaliseTimestamps(type: DataType): DataType {
  switch (type.kind) {
    case 'Timestamp':
      return TIMESTAMP_MS_UTC;
    case 'Option':
      return { kind: 'Option', inner: normaliseTimestamps(type.inner) };
    default:
      return type;
  }
}

export function layoutFromReadSchema(schema: DataSchema, vocab: DatasetVocab): SliceLayout {
  const systemNames = [vocab.offsetColumn, vocab.systemTimeColumn];
  const clash = schema.fields.find((f) => systemNames.includes(f.name));
  if (clash) {
    throw new SluiceError('SCHEMA_INVALID', `read schema column "${clash.name}" clashes with a system column; rename the column or use SetVocab`);
  }
  const eventField = schema.fields.find((f) => f.name === vocab.eventTimeColumn);
  let eventTimeType: SliceLayout['eventTimeType'] = TIMESTAMP_MS_UTC;
  if (eventField) {
    const t = unwrapOption(eventField.type);
    if (t.kind === 'Date') eventTimeType = { kind: 'Date' };
    else if (t.kind !== 'Timestamp') {
      throw new SluiceError('SCHEMA_INVALID', `event-time column "${eventField.name}" must be a Timestamp or Date, not ${t.kind}`);
    }
  }
  const fields = schema.fields.map((f) => ({ ...f, type: normaliseTimestamps(f.type) }));
  return {
    vocab,
    mergeFields: eventField ? fields : [...fields, { name: vocab.eventTimeColumn, type: { kind: 'Option', inner: TIMESTAMP_MS_UTC } }],
    // ChangelogStream/UpsertStream read an op column; it becomes the op system column, not data.
    dataFields: fields.filter((f) => f.name !== vocab.eventTimeColumn && f.name !== vocab.operationTypeColumn),
    eventTimeType,
  };
}

/** The SetDataSchema of a dataset: system columns, then the data columns. */
export function dataSchemaOf(layout: SliceLayout): DataSchema {
  const v = layout.vocab;
  return {
    fields: [
      { name: v.offsetColumn, type: { kind: 'Int64' } },
      { name: v.operationTypeColumn, type: { kind: 'Int32' } },
      { name: v.systemTimeColumn, type: TIMESTAMP_MS_UTC },
      { name: v.eventTimeColumn, type: layout.eventTimeType },
      ...layout.dataFields,
    ],
  };
}

/** Inverse of `dataSchemaOf`, for reading committed data back (export, verify, tail). */
export function layoutFromDataSchema(schema: DataSchema, vocab: DatasetVocab): SliceLayout {
  const [, , , eventTime, ...dataFields] = schema.fields;
  return {
    vocab,
    mergeFields: [...dataFields, eventTime],
    dataFields,
    eventTimeType: eventTime.type as SliceLayout['eventTimeType'],
  };
}

/**
 * A dataset's data schema may only grow by appending columns (ODF schema evolution: a new
 * SetDataSchema, older slices reading the new columns as null). Renaming, retyping, removing or
 * reordering committed columns would make committed slices unreadable, so it is refused.
 */
export function assertSchemaCompatible(committed: DataSchema | null, next: DataSchema, dataset: string): void {
  if (!committed) return;
  const changed = committed.fields.findIndex((f, i) => JSON.stringify(f) !== JSON.stringify(next.fields[i]));
  if (changed === -1) return;
  const was = committed.fields[changed];
  const now = next.fields[changed];
  throw new SluiceError(
    'SCHEMA_INVALID',
    `dataset "${dataset}": the read schema changed column ${changed + 1} from "${was.name}" (${was.type.kind}) to ${now ? `"${now.name}" (${now.type.kind})` : 'nothing'}; ` +
      'committed data keeps its columns, so new columns may only be added at the end (or re-add the dataset with --replace)',
  );
}

/** The merge sees an event-time column even when the read schema has none (all null, as in Kamu). */
export function withEventTimeColumn(row: Row, layout: SliceLayout): Row {
  const column = layout.vocab.eventTimeColumn;
  return column in row ? row : { ...row, [column]: null };
}
