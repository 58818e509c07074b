import type pg from 'pg';
import { committedLayout } from '../datasets/dataset-layout';
import type { JsonValue } from '../data/row';
import type { StoredRow } from '../ingest/ports';
import { arrowSchemaKey, sliceArrowSegment } from '../ingest/slice-arrow';
import { decodeSliceSegment, layoutOfSchemaKey } from '../ingest/slice-arrow-reader';
import { encodeSliceLine, hashSlice, storedToSliceRow } from '../ingest/slice-encoding';
import type { SliceLayout } from '../ingest/slice-layout';
import type { DataSchema } from '../odf/data-type';
import type { DatasetSnapshot } from '../odf';

/**
 * The data step of migration 20261205120000_slices_only, run before its SQL drops data_row: makes
 * every slice's stored Arrow segment a complete copy of its rows. A slice keeps its segment when
 * that decodes and re-hashes to the slice's recorded hash; otherwise (committed before segments
 * were stored, or not re-hashing) it is encoded again from its data_row rows. Hashes, offsets and
 * blocks are not touched, so `sluice verify` gives the same verdict before and after.
 */
export async function moveRowsIntoSlices(db: pg.ClientBase): Promise<void> {
  const { rows: datasets } = await db.query<{ id: string; num: number; manifest: DatasetSnapshot; data_schema: DataSchema | null }>(
    'SELECT id, num, manifest, data_schema FROM dataset WHERE EXISTS (SELECT 1 FROM data_slice s WHERE s.dataset_id = dataset.id)',
  );
  for (const d of datasets) {
    const layout = committedLayout({ snapshot: d.manifest, dataSchema: d.data_schema });
    if (!layout) throw new Error(`dataset ${d.id} has slices but no data schema: its rows cannot be moved into slices`);
    const { rows: slices } = await db.query<{ offset_start: string; offset_end: string; hash: string; size: number }>(
      'SELECT offset_start, offset_end, hash, size FROM data_slice WHERE dataset_id = $1 ORDER BY offset_start',
      [d.id],
    );
    for (const s of slices) {
      // One slice at a time: a large dataset never sits in memory whole.
      const { rows } = await db.query<{ arrow: Buffer | null; arrow_adler32: string | null; arrow_size: number | null; arrow_schema: string | null }>(
        'SELECT arrow, arrow_adler32, arrow_size, arrow_schema FROM data_slice WHERE dataset_id = $1 AND offset_start = $2',
        [d.id, s.offset_start],
      );
      const stored = rows[0];
      const storedLayout = stored.arrow_schema ? layoutOfSchemaKey(layout, stored.arrow_schema) : undefined;
      if (stored.arrow && storedLayout && stored.arrow_adler32 !== null && stored.arrow_size !== null) {
        const decoded = decodeSliceSegment({ deflated: stored.arrow, adler32: Number(stored.arrow_adler32), size: stored.arrow_size }, storedLayout);
        if (rehashes(decoded, layout, s)) continue;
      }
      const fromRows = await dataRows(db, d.num, BigInt(s.offset_start), BigInt(s.offset_end));
      const segment = sliceArrowSegment(fromRows, layout);
      await db.query('UPDATE data_slice SET arrow = $3, arrow_adler32 = $4, arrow_size = $5, arrow_schema = $6 WHERE dataset_id = $1 AND offset_start = $2', [
        d.id,
        s.offset_start,
        Buffer.from(segment.deflated),
        segment.adler32,
        segment.size,
        arrowSchemaKey(layout),
      ]);
    }
  }
}

function rehashes(rows: StoredRow[], layout: SliceLayout, s: { offset_start: string; offset_end: string; hash: string; size: number }): boolean {
  if (BigInt(rows.length) !== BigInt(s.offset_end) - BigInt(s.offset_start) + 1n) return false;
  const { hash, size } = hashSlice(rows.map((r) => encodeSliceLine(storedToSliceRow(r, layout), layout)));
  return hash === s.hash && size === s.size;
}

async function dataRows(db: pg.ClientBase, datasetNum: number, from: bigint, to: bigint): Promise<StoredRow[]> {
  const { rows } = await db.query<{ offset: string; op: number; system_time: Date; event_time: Date; data: JsonValue[] }>(
    'SELECT "offset", op, system_time, event_time, data FROM data_row WHERE dataset_num = $1 AND "offset" BETWEEN $2 AND $3 ORDER BY "offset"',
    [datasetNum, from.toString(), to.toString()],
  );
  return rows.map((r) => ({ offset: BigInt(r.offset), op: r.op, systemTime: r.system_time, eventTime: r.event_time, data: r.data }));
}
