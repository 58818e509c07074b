import { unwrapOption, type DataType } from '../odf/data-type';

/** What kind of values a column holds, as far as charting and alignment go. */
export type ColumnKind = 'time' | 'number' | 'text';

/** A dataset column's kind, from its ODF type (Arrow-free, for server pages and the preview). */
export function odfColumnKind(t: DataType): ColumnKind {
  const kind = unwrapOption(t).kind;
  if (kind === 'Timestamp' || kind === 'Date') return 'time';
  if (/^U?Int\d+$|^Float\d+$|^Decimal$/.test(kind)) return 'number';
  return 'text';
}
