import { OP_LABELS, type OpCode } from '../data/row';
import { encodeSliceLine, storedToSliceRow } from '../ingest/slice-encoding';
import type { Store } from '../store/open-store';
import { odfColumnKind, type ColumnKind } from '../query/column-kind';
import { committedLayout, getDatasetOrThrow } from './dataset-layout';
import type { DatasetKey } from './dataset-key';

/** One page of committed rows, newest first, as display strings (system columns first). */
export interface DatasetRowsPage {
  columns: string[];
  /** What each column holds: numbers are right-aligned, and the chart reads times and numbers. */
  kinds: ColumnKind[];
  rows: string[][];
  page: number;
  pageCount: number;
  total: string;
}

/**
 * Page `page` (0 = newest; rounded down and clamped to the pages there are) of `pageSize` rows.
 * Offsets are contiguous from 0, so a page is an offset range read through the primary key, as
 * cheap on row 10,000,000 as on row 10.
 */
export async function getDatasetRowsPage(store: Store, dataset: DatasetKey, page: number, pageSize = 50): Promise<DatasetRowsPage> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  const layout = committedLayout(d);
  const total = d.rows;
  const pageCount = Math.max(1, Math.ceil(Number(total) / pageSize));
  // Any number a URL gives (0.5, NaN, -3, 1e30): a whole page in range, never a fractional offset.
  const p = Math.min(Math.max(0, Math.trunc(page) || 0), pageCount - 1);
  if (!layout) return { columns: [], kinds: [], rows: [], page: 0, pageCount: 1, total: '0' };
  const to = total - BigInt(p * pageSize);
  const from = to - BigInt(pageSize) > 0n ? to - BigInt(pageSize) : 0n;
  const stored = await store.datasets.rowsInRange(d.num, from, to);
  const v = layout.vocab;
  const columns = [v.offsetColumn, v.operationTypeColumn, v.systemTimeColumn, v.eventTimeColumn, ...layout.dataFields.map((f) => f.name)];
  const kinds: ColumnKind[] = ['number', 'text', 'time', 'time', ...layout.dataFields.map((f) => odfColumnKind(f.type))];
  const rows = stored.reverse().map((r) => {
    // The canonical slice line is what export writes: the console shows the same values.
    const line = JSON.parse(encodeSliceLine(storedToSliceRow(r, layout), layout)) as Record<string, unknown>;
    return columns.map((c) => {
      const val = line[c];
      if (c === v.operationTypeColumn) return OP_LABELS[val as OpCode] ?? String(val);
      if (val === null || val === undefined) return '∅';
      return typeof val === 'object' ? JSON.stringify(val) : String(val);
    });
  });
  return { columns, kinds, rows, page: p, pageCount, total: total.toString() };
}
