import { RESERVED_FIELD_NAME, type DataField, type DataSchema, type DataType } from '../../odf/data-type';
import { ReadConfigError, readJsonPayloadRecords, type ReaderConfig } from './read-message';

type JsonKind = 'integer' | 'number' | 'boolean' | 'string' | 'object' | 'array';

/**
 * The most columns an inferred schema takes (the first keys seen); a dataset that needs more
 * declares its read schema.
 */
export const MAX_INFERRED_FIELDS = 256;

/**
 * A read schema inferred from the first messages of a dataset whose manifest has none, as Kamu
 * infers one for a read step without a schema: every column nullable, integers Int64, other
 * numbers Float64, booleans Bool, strings String, objects and arrays kept as JSON (Struct, List),
 * columns in first-seen order. Kamu's default preprocessing turns an event-time column of integers
 * into a timestamp in Unix seconds and one of strings into an RFC 3339 timestamp; so does this.
 * Returns undefined when no message holds a readable record. CSV payloads need a declared schema.
 */
export function inferReadSchema(
  read: ReaderConfig,
  payloads: Uint8Array[],
  opts: { eventTimeColumn: string; maxPayloadBytes: number },
): DataSchema | undefined {
  if (read.kind === 'Csv') {
    throw new ReadConfigError('Csv payloads need a read schema (read.schema or read.ddlSchema): their columns cannot be typed from the data');
  }
  const kinds = new Map<string, Set<JsonKind>>();
  for (const payload of payloads) {
    for (const record of readJsonPayloadRecords(read, { payload }, opts) ?? []) {
      for (const [name, value] of Object.entries(record)) {
        if (name === RESERVED_FIELD_NAME) continue; // no column can hold it (data-type.ts)
        // The first messages choose the schema every later one is read with: one of 65,000 keys
        // made each 2-byte `{}` after it 65,000 cells (3 MB of rows).
        if (!kinds.has(name) && kinds.size >= MAX_INFERRED_FIELDS) continue;
        const seen = kinds.get(name) ?? new Set<JsonKind>();
        kinds.set(name, seen);
        if (value !== null && value !== undefined) seen.add(jsonKind(value));
      }
    }
  }
  if (kinds.size === 0) return undefined;
  const fields: DataField[] = [...kinds].map(([name, seen]) => ({
    name,
    type: { kind: 'Option', inner: name === opts.eventTimeColumn ? eventTimeType(seen) : columnType(seen) },
  }));
  return { fields };
}

function jsonKind(value: unknown): JsonKind {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonKind;
}

function columnType(seen: Set<JsonKind>): DataType {
  const only = (...ks: JsonKind[]) => seen.size > 0 && [...seen].every((k) => ks.includes(k));
  if (only('integer')) return { kind: 'Int64' };
  if (only('integer', 'number')) return { kind: 'Float64' };
  if (only('boolean')) return { kind: 'Bool' };
  if (only('object')) return { kind: 'Struct', fields: [] };
  if (only('array')) return { kind: 'List', itemType: { kind: 'String' } };
  // Strings, never-set columns and mixed kinds: text (values of other kinds are then quarantined).
  return { kind: 'String' };
}

function eventTimeType(seen: Set<JsonKind>): DataType {
  return seen.size > 0 && [...seen].every((k) => k === 'integer')
    ? { kind: 'Timestamp', unit: 'Second', timezone: 'UTC' }
    : { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' };
}
