import { SluiceError } from '../errors';
import { committedLayout, getDatasetOrThrow } from '../datasets/dataset-layout';
import { zlibFromSegments } from '../data/deflate-segments';
import { arrowSchemaKey, arrowStreamEnds, sliceArrowSegment } from '../ingest/slice-arrow';
import type { DataField } from '../odf/data-type';
import type { Store } from '../store/open-store';
import type { DatasetKey } from '../datasets/dataset-key';

/** Largest range served at once: browsers ask for ~250,000 rows; this bounds the server's memory. */
const MAX_RANGE_ROWS = 2_000_000n;

/** What a browser needs to fetch a dataset's data slice by slice and cache what it fetched. */
export interface DatasetSliceIndex {
  /** Changes when a dataset is deleted and created again under its name: cached data is void then. */
  datasetId: string;
  headHash: string;
  /** The Arrow layout slices are served in (see arrowSchemaKey); null before any data. */
  schemaKey: string | null;
  /** Data columns with their ODF types (decimals travel as text and are cast back). */
  dataFields: DataField[];
  /** Offsets are numbers: exact up to 2^53 rows. */
  slices: { offsetStart: number; offsetEnd: number; hash: string }[];
}

/**
 * The slice index; with `after`, only the slices holding rows after that offset (what a page
 * lacks). After a compaction merged slices across that offset, the first one starts before it.
 */
export async function datasetSliceIndex(store: Store, dataset: DatasetKey, after?: bigint): Promise<DatasetSliceIndex> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  const layout = committedLayout(d);
  const slices = await store.datasets.slices(d.id, after);
  return {
    datasetId: d.id,
    headHash: d.headHash,
    schemaKey: layout ? arrowSchemaKey(layout) : null,
    dataFields: layout?.dataFields ?? [],
    slices: slices.map((s) => ({ offsetStart: Number(s.offsetStart), offsetEnd: Number(s.offsetEnd), hash: s.hash })),
  };
}

/**
 * The committed rows with offsets in [from, to] (whole slices) as one Arrow IPC stream in the
 * dataset's current layout, zlib-compressed (RFC 1950, what DecompressionStream('deflate') reads). Slices
 * encoded at commit in that layout are joined as stored; older ones (committed before a schema
 * change) are decoded and encoded again. `expect` pins the dataset and layout
 * the caller planned for, so a cached response stays true.
 */
export async function sliceRangeArrowZlib(store: Store, dataset: DatasetKey, range: { from: bigint; to: bigint }, expect: { datasetId: string; schemaKey: string }): Promise<Uint8Array> {
  const d = await getDatasetOrThrow(store.datasets, dataset);
  const layout = committedLayout(d);
  if (d.id !== expect.datasetId || !layout || arrowSchemaKey(layout) !== expect.schemaKey) {
    throw new SluiceError('DATASET_CHANGED', `dataset "${dataset.name}" was replaced or its schema changed; reload its slice index`);
  }
  if (range.to < range.from || range.to - range.from + 1n > MAX_RANGE_ROWS) {
    throw new SluiceError('INVALID_INPUT', `a range holds 1 to ${MAX_RANGE_ROWS} rows; ${range.from}–${range.to} does not`);
  }
  const slices = await store.datasets.sliceArrows(d.id, range.from, range.to);
  // A range of committed slices without gaps, ending with one, is what the URL promises for good;
  // it may start inside its first slice (a page holding rows up to there when a compaction merged
  // slices across that offset: rows never change, so the rest of that slice is served).
  const whole = slices.length > 0 && slices[0].offsetStart <= range.from && slices.at(-1)!.offsetEnd === range.to && slices.every((s, i) => i === 0 || s.offsetStart === slices[i - 1].offsetEnd + 1n);
  if (!whole) throw new SluiceError('SLICE_NOT_FOUND', `offsets ${range.from}–${range.to} of "${dataset.name}" are not a run of committed slices (see its slice index)`);
  const { head, tail } = arrowStreamEnds(layout);
  const segments = [head];
  for (const s of slices) {
    if (s.offsetStart < range.from) {
      segments.push(sliceArrowSegment(await store.datasets.rowsInRange(d.num, range.from, s.offsetEnd + 1n), layout));
      continue;
    }
    if (s.schemaKey === expect.schemaKey) {
      segments.push(s.segment);
      continue;
    }
    // Committed in an older layout (before columns were appended): encoded again in this one, and kept.
    const segment = sliceArrowSegment(await store.datasets.rowsInRange(d.num, s.offsetStart, s.offsetEnd + 1n), layout);
    await store.datasets.saveSliceArrow(d.id, s.offsetStart, segment, expect.schemaKey);
    segments.push(segment);
  }
  segments.push(tail);
  return zlibFromSegments(segments);
}
