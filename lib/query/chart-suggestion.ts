import { DataType, type DataType as ArrowType } from 'apache-arrow';
import type { ColumnKind } from './column-kind';

export type { ColumnKind } from './column-kind';

/** A result column's kind, from its Arrow type. */
export function columnKind(t: ArrowType): ColumnKind {
  if (DataType.isTimestamp(t) || DataType.isDate(t)) return 'time';
  if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isDecimal(t)) return 'number';
  return 'text';
}

export interface ChartChoice {
  type: 'line' | 'scatter' | 'bar';
  x: string;
  y: string;
  /** A text column whose values split the points into series (one line per device, say). */
  by?: string;
}

/**
 * The chart a result suggests: a numeric column over time is a line (time series), one per value of
 * a text column if the result has one; a numeric column against a text column is a bar chart; two
 * numeric columns are a scatter. None otherwise.
 */
export function suggestChart(columns: { name: string; kind: ColumnKind }[]): ChartChoice | undefined {
  const time = columns.find((c) => c.kind === 'time');
  const numbers = columns.filter((c) => c.kind === 'number' && !['offset', 'op'].includes(c.name));
  const text = columns.find((c) => c.kind === 'text');
  if (time && numbers[0]) return { type: 'line', x: time.name, y: numbers[0].name, ...(text ? { by: text.name } : {}) };
  if (text && numbers[0]) return { type: 'bar', x: text.name, y: numbers[0].name };
  if (numbers.length >= 2) return { type: 'scatter', x: numbers[0].name, y: numbers[1].name };
  return undefined;
}
