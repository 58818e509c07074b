import { describe, expect, it } from 'vitest';
import { decodeSliceSegment, layoutOfSchemaKey } from '../../../lib/ingest/slice-arrow-reader';
import { arrowSchemaKey, sliceArrowSegment } from '../../../lib/ingest/slice-arrow';
import { encodeSliceLine, storedToSliceRow } from '../../../lib/ingest/slice-encoding';
import { layoutFromReadSchema } from '../../../lib/ingest/slice-layout';
import type { StoredRow } from '../../../lib/ingest/ports';
import type { DataType } from '../../../lib/odf/data-type';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';

const opt = (inner: DataType): DataType => ({ kind: 'Option', inner });
const layout = layoutFromReadSchema(
  {
    fields: [
      { name: 'event_time', type: { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' } },
      { name: 'i16', type: opt({ kind: 'Int16' }) },
      { name: 'u32', type: opt({ kind: 'UInt32' }) },
      { name: 'i64', type: opt({ kind: 'Int64' }) },
      { name: 'u64', type: opt({ kind: 'UInt64' }) },
      { name: 'f32', type: opt({ kind: 'Float32' }) },
      { name: 'f64', type: opt({ kind: 'Float64' }) },
      { name: 'ok', type: opt({ kind: 'Bool' }) },
      { name: 's', type: opt({ kind: 'String' }) },
      { name: 'price', type: opt({ kind: 'Decimal', precision: 20, scale: 2 }) },
      { name: 'day', type: opt({ kind: 'Date' }) },
      { name: 'at', type: opt({ kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' }) },
      { name: 'clock', type: opt({ kind: 'Time' }) },
      { name: 'wait', type: opt({ kind: 'Duration', unit: 'Millisecond' }) },
      { name: 'blob', type: opt({ kind: 'Binary' }) },
      { name: 'tags', type: opt({ kind: 'List', itemType: { kind: 'String' } }) },
      { name: 'meta', type: opt({ kind: 'Struct', fields: [{ name: 'a', type: { kind: 'Int32' } }] }) },
    ],
  },
  DEFAULT_VOCAB,
);
const system = new Date('2026-11-25T10:00:00.000Z');
const row = (offset: number, data: StoredRow['data']): StoredRow => ({ offset: BigInt(offset), op: offset % 4, systemTime: system, eventTime: new Date(Date.UTC(1969, 11, 31, 23, 59, offset)), data });
const rows = [
  row(7, [-32768, 4294967295, '-9223372036854775808', '18446744073709551615', 0.1, -0, true, 'naïve "q"\n', '-123456789012345678.05', '1969-12-31', -1, '23:59:59.999', '-9007199254740993', 'AAE=', ['x', 'y'], { a: 1, b: [null, { c: 'd' }] }]),
  row(8, [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null]),
  row(9, [1, 0, '9007199254740993', '0', 1.7976931348623157e308, 5e-324, false, '', '0.00', '2026-03-01', 1_800_000_000_000, '00:00:00', '0', '', [], {}]),
];

describe('slice Arrow reader', () => {
  it('reads every ODF type back to the stored cells it was encoded from, so slice hashes hold', () => {
    const decoded = decodeSliceSegment(sliceArrowSegment(rows, layout), layout);
    const nulls = rows.map((r) => ({ ...r, data: layout.dataFields.map((_f, j) => r.data[j] ?? null) }));
    expect(decoded).toEqual(nulls);
    const line = (r: StoredRow) => encodeSliceLine(storedToSliceRow(r, layout), layout);
    expect(decoded.map(line)).toEqual(rows.map(line));
  });

  it('finds the older layout a slice was encoded in, before columns were appended', () => {
    const older = { ...layout, dataFields: layout.dataFields.slice(0, 3) };
    const segment = sliceArrowSegment([row(0, [1, 2, '3'])], older);
    const found = layoutOfSchemaKey(layout, arrowSchemaKey(older))!;
    expect(found.dataFields.map((f) => f.name)).toEqual(['i16', 'u32', 'i64']);
    expect(decodeSliceSegment(segment, found)[0].data).toEqual([1, 2, '3']);
    expect(layoutOfSchemaKey(layout, 'unknown')).toBeUndefined();
  });
});
