import type pg from 'pg';
import { committedLayout } from '../datasets/dataset-layout';
import type { StoredRow } from '../ingest/ports';
import type { DataSchema } from '../odf/data-type';
import type { DatasetSnapshot } from '../odf';
import type { SliceLayout } from '../ingest/slice-layout';

/**
 * Committed rows are kept once, in their slice's compressed Arrow segment (data_slice.arrow): a
 * range of offsets is read by decoding the slices that hold it. Slices are found through the
 * primary key (dataset_id, offset_start), so reading near offset 10,000,000 costs what it costs
 * near offset 0.
 */

/** Slices fetched per query: bounds memory (a slice is at most a pull's record cap of rows). */
const SLICES_PER_QUERY = 8;

interface SliceRecord {
  offset_start: string;
  offset_end: string;
  arrow: Buffer;
  arrow_adler32: string;
  arrow_size: number;
  arrow_schema: string;
}

/** Rows with offsets in [from, to) of the dataset numbered `datasetNum`, one batch per slice, in offset order. */
export async function* sliceRows(pool: pg.Pool, datasetNum: number, from = 0n, to?: bigint): AsyncIterable<StoredRow[]> {
  const dataset = await pool.query<{ id: string; manifest: DatasetSnapshot; data_schema: DataSchema | null; next_offset: string }>(
    'SELECT id, manifest, data_schema, next_offset::text AS next_offset FROM dataset WHERE num = $1',
    [datasetNum],
  );
  const d = dataset.rows[0];
  const layout = d && committedLayout({ snapshot: d.manifest, dataSchema: d.data_schema });
  if (!d || !layout) return;
  const end = to ?? BigInt(d.next_offset);
  // Arrow is imported by the first read, not with the store: most commands never decode a slice.
  const reader = await import('../ingest/slice-arrow-reader');
  // The first query starts at the slice holding `from`; the next ones after the last slice read.
  let lastStart: bigint | undefined;
  for (;;) {
    const { rows: slices } = await pool.query<SliceRecord>(
      `SELECT offset_start, offset_end, arrow, arrow_adler32, arrow_size, arrow_schema FROM data_slice
        WHERE dataset_id = $1 AND ${
          lastStart === undefined
            ? 'offset_start >= coalesce((SELECT max(offset_start) FROM data_slice WHERE dataset_id = $1 AND offset_start <= $2), 0)'
            : 'offset_start > $2'
        } AND offset_start < $3 ORDER BY offset_start LIMIT ${SLICES_PER_QUERY}`,
      [d.id, (lastStart ?? from).toString(), end.toString()],
    );
    for (const s of slices) {
      const rows = decodeStoredSlice(reader, s, layout).filter((r) => r.offset >= from && r.offset < end);
      if (rows.length) yield rows;
    }
    const last = slices.at(-1);
    if (!last || slices.length < SLICES_PER_QUERY || BigInt(last.offset_end) + 1n >= end) return;
    lastStart = BigInt(last.offset_start);
  }
}

function decodeStoredSlice({ decodeSliceSegment, layoutOfSchemaKey }: typeof import('../ingest/slice-arrow-reader'), s: SliceRecord, current: SliceLayout): StoredRow[] {
  const layout = layoutOfSchemaKey(current, s.arrow_schema);
  if (!layout) throw new Error(`slice at offset ${s.offset_start} is encoded in a layout (${s.arrow_schema}) the dataset's data schema does not describe`);
  return decodeSliceSegment({ deflated: s.arrow, adler32: Number(s.arrow_adler32), size: s.arrow_size }, layout);
}

/** Every row of a range at once, in offset order. */
export async function sliceRowsInRange(pool: pg.Pool, datasetNum: number, from: bigint, to: bigint): Promise<StoredRow[]> {
  const out: StoredRow[] = [];
  for await (const batch of sliceRows(pool, datasetNum, from, to)) for (const r of batch) out.push(r);
  return out;
}
