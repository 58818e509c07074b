/**
 * In-memory representation of typed rows, shared by readers, merge strategies, the store and export.
 *
 * A cell holds the canonical JS value for its column's ODF type (see `cell-codec.ts`):
 * - Bool → boolean; Int8..Int32, UInt8..UInt32, Float16..Float64 → number; Int64, UInt64, Duration → bigint
 * - Decimal → canonical decimal string with exactly `scale` fraction digits ("12.50")
 * - String → string; Binary → base64 string
 * - Date → "YYYY-MM-DD"; Timestamp (any unit/zone in the input) → epoch milliseconds (number, UTC), as Kamu
 *   casts every timestamp to Timestamp(ms, "UTC"); Time → "HH:MM:SS[.fff]"
 * - List, Map, Struct, Null → a JSON value (stored and shown as JSON)
 * - Option(inner) → inner's representation, or null
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type Cell = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };
export type Row = Record<string, Cell>;

/** Operation type codes of the `op` system column (ODF spec). */
export const Op = { Append: 0, Retract: 1, CorrectFrom: 2, CorrectTo: 3 } as const;
export type OpCode = (typeof Op)[keyof typeof Op];
export const OP_LABELS: Record<OpCode, string> = { 0: '+A', 1: '-R', 2: '-C', 3: '+C' };
