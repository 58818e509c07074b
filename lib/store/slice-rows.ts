import type pg from 'pg';
import { SluiceError } from '../errors';
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

/** Committed rows with offsets in [from, to) of the dataset numbered `datasetNum` (none past the committed ones), one batch per slice, in offset order. */
export async function* sliceRows(pool: pg.Pool | pg.PoolClient, datasetNum: number, from = 0n, to?: bigint): AsyncIterable<StoredRow[]> {
  const dataset = await pool.query<{ id: string; manifest: DatasetSnapshot; data_schema: DataSchema | null; next_offset: string }>(
    'SELECT id, manifest, data_schema, next_offset::text AS next_offset FROM dataset WHERE num = $1',
    [datasetNum],
  );
  const d = dataset.rows[0];
  const layout = d && committedLayout({ snapshot: d.manifest, dataSchema: d.data_schema });
  if (!d || !layout) return;
  // Only committed rows: a Ledger asks for a staged group's range past them (and reads those rows
  // from its staged batches), so the range ends at the dataset's next offset.
  const committed = BigInt(d.next_offset);
  const end = to === undefined || to > committed ? committed : to;
  // Arrow is imported by the first read, not with the store: most commands never decode a slice.
  const reader = await import('../ingest/slice-arrow-reader');
  // Each query starts at the slice holding the next offset to read, found again every time: a
  // compaction may merge slices between two queries, and the merged slice starts at or before the
  // offset (asking for slices after the last one read skipped it, and a read ended short).
  let next = from;
  while (next < end) {
    const { rows: slices } = await pool.query<SliceRecord>(
      `SELECT offset_start, offset_end, arrow, arrow_adler32, arrow_size, arrow_schema FROM data_slice
        WHERE dataset_id = $1
          AND offset_start >= coalesce((SELECT max(offset_start) FROM data_slice WHERE dataset_id = $1 AND offset_start <= $2), 0)
          AND offset_start < $3 ORDER BY offset_start LIMIT ${SLICES_PER_QUERY}`,
      [d.id, next.toString(), end.toString()],
    );
    // Offsets below `end` were committed when it was read: none left means the dataset was replaced meanwhile.
    if (!slices.length || BigInt(slices.at(-1)!.offset_end) < next) {
      throw new SluiceError('DATASET_CHANGED', `rows from offset ${next} on are no longer in the dataset's slices: it was replaced or reset while it was read`);
    }
    for (const s of slices) {
      if (BigInt(s.offset_end) < next) continue;
      const rows = decodeStoredSlice(reader, s, layout).filter((r) => r.offset >= next && r.offset < end);
      if (rows.length) yield rows;
      next = BigInt(s.offset_end) + 1n;
    }
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
