/**
 * ODF DataSchema types (open-data-fabric `DataType`, `DataField`, `DataSchema`), in canonical
 * PascalCase kinds. The zod schemas in `manifest-schema.ts` parse YAML into exactly these shapes.
 * Nullability is expressed only with `Option`: a field whose type is not `Option` is required.
 */
export type TimeUnit = 'Second' | 'Millisecond' | 'Microsecond' | 'Nanosecond';

export type IntKind = 'Int8' | 'Int16' | 'Int32' | 'Int64' | 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64';
export type FloatKind = 'Float16' | 'Float32' | 'Float64';

export type DataType =
  | { kind: 'Binary'; fixedLength?: number }
  | { kind: 'Bool' }
  | { kind: 'Date' }
  | { kind: 'Decimal'; precision: number; scale: number }
  | { kind: 'Duration'; unit?: TimeUnit }
  | { kind: FloatKind }
  | { kind: IntKind }
  | { kind: 'List'; itemType: DataType; fixedLength?: number }
  | { kind: 'Map'; keyType: DataType; valueType: DataType; keysSorted?: boolean }
  | { kind: 'Null' }
  | { kind: 'Option'; inner: DataType }
  | { kind: 'String' }
  | { kind: 'Struct'; fields: DataField[] }
  | { kind: 'Time'; unit?: TimeUnit }
  | { kind: 'Timestamp'; unit?: TimeUnit; timezone?: string };

export interface DataField {
  name: string;
  type: DataType;
  extra?: Record<string, unknown>;
}

export interface DataSchema {
  fields: DataField[];
  extra?: Record<string, unknown>;
}

/** The type under any Option wrappers: what a non-null value of the column is. */
/**
 * A column name Sluice cannot hold: its rows are JavaScript objects, where `row["__proto__"] = v`
 * sets the row's prototype instead of a column (a Struct value became every row's prototype).
 */
export const RESERVED_FIELD_NAME = '__proto__';

export function unwrapOption(type: DataType): Exclude<DataType, { kind: 'Option' }> {
  return type.kind === 'Option' ? unwrapOption(type.inner) : type;
}
