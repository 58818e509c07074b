import { decodeStoredCell, encodeStoredCell } from '../data/cell-codec';
import type { Row } from '../data/row';
import type { PriorState } from './merge/merge-strategy';
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

/** Stored key-state rows as the merge's prior state. A Ledger key holds no values: its presence is all the merge asks about. */
export function priorStateFrom(stored: ReadonlyMap<string, JsonRow | null>, layout: SliceLayout, hasHistory: boolean): PriorState {
  const decoded = new Map([...stored].map(([k, r]) => [k, r === null ? {} : decodeStateRow(r, layout)]));
  return { hasHistory, get: (k) => decoded.get(k), keys: () => decoded.keys() };
}
