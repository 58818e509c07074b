import { decodeStoredCell, encodeStoredCell } from '../data/cell-codec';
import type { Row } from '../data/row';
import type { JsonRow } from './ports';
import type { SliceLayout } from './slice-layout';

/** Key-state rows as stored: the merge columns by name, each cell in its lossless JSON form. */
export function encodeStateRow(row: Row, layout: SliceLayout): JsonRow {
  const out: JsonRow = {};
  for (const f of layout.mergeFields) out[f.name] = encodeStoredCell(f.type, row[f.name] ?? null);
  return out;
}

export function decodeStateRow(json: JsonRow, layout: SliceLayout): Row {
  const out: Row = {};
  for (const f of layout.mergeFields) out[f.name] = decodeStoredCell(f.type, json[f.name] ?? null);
  return out;
}
