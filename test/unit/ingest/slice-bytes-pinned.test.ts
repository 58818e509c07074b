import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../../lib/data/row';
import { inflateSegment } from '../../../lib/data/deflate-segments';
import { toStagedRow, stageSlice } from '../../../lib/ingest/stage-slice';
import { sliceArrowIpc } from '../../../lib/ingest/slice-arrow';
import { layoutFromReadSchema, type SliceLayout } from '../../../lib/ingest/slice-layout';
import type { DataField } from '../../../lib/odf/data-type';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';

/**
 * A slice's bytes are fixed once written: its canonical NDJSON is what its logical hash covers, and
 * its Arrow record batches are stored and served as they are. These pins were taken from the
 * encoders before they were last sped up, over rows that take every path they have (ASCII and
 * non-ASCII text, characters JSON escapes, nulls, 64-bit integers past 2^53, decimals, nested
 * values, timestamps before 1970, Date and Timestamp event times, more rows than one chunk): any
 * byte that moves changes a pin.
 */
const sys = new Date('2026-11-25T10:00:00.123Z');
const opt = (inner: DataField['type']): DataField['type'] => ({ kind: 'Option', inner });
const texts = ['device-00042', '', 'x"y', 'a\\b', 'a\u001fb', '\udc00x', 'é😀', '\u2028漢字', 'tab\there'];
const numbers = [0, -0, 1.5, -2e-7, 1e21, 12345678901234567890, NaN, Infinity, 42];

const wide = layoutFromReadSchema(
  {
    fields: [
      { name: 'event_time', type: opt({ kind: 'Timestamp', unit: 'Second' }) },
      { name: 's', type: opt({ kind: 'String' }) },
      { name: 'i64', type: opt({ kind: 'Int64' }) },
      { name: 'u64', type: { kind: 'UInt64' } },
      { name: 'u32', type: { kind: 'UInt32' } },
      { name: 'i16', type: { kind: 'Int16' } },
      { name: 'f', type: opt({ kind: 'Float64' }) },
      { name: 'g', type: { kind: 'Float64' } },
      { name: 'b', type: opt({ kind: 'Bool' }) },
      { name: 'dec', type: opt({ kind: 'Decimal', precision: 10, scale: 2 }) },
      { name: 'ts', type: { kind: 'Timestamp', unit: 'Millisecond' } },
      { name: 'maybe_ts', type: opt({ kind: 'Timestamp', unit: 'Millisecond' }) },
      { name: 'day', type: opt({ kind: 'Date' }) },
      { name: 'nested', type: { kind: 'Struct', fields: [{ name: 'a', type: { kind: 'Int32' } }] } },
      { name: 'list', type: opt({ kind: 'List', itemType: { kind: 'String' } }) },
      { name: 'ünï "key"', type: { kind: 'String' } },
    ],
  },
  DEFAULT_VOCAB,
);
const wideRows = (n: number): Row[] =>
  Array.from({ length: n }, (_, i) => {
    const nul = (k: number) => (i * 7 + k) % 5 === 0;
    return {
      op: i % 4,
      event_time: nul(0) ? null : Date.UTC(i % 3 === 0 ? 1912 : 2026, 0, 1) + i * 997,
      s: nul(1) ? null : texts[i % texts.length] + (i % 2 ? texts[(i * 3) % texts.length] : ''),
      i64: nul(2) ? null : i % 2 ? 9007199254740993n * BigInt(i) : -BigInt(i),
      u64: 18446744073709551615n - BigInt(i),
      u32: 4294967295 - i * 1e7,
      i16: (i % 65536) - 32768,
      f: nul(2) ? null : numbers[i % numbers.length],
      g: numbers[(i * 5) % numbers.length] / 3,
      b: nul(3) ? null : i % 2 === 0,
      dec: nul(4) ? null : `${i}.${String(i % 100).padStart(2, '0')}`,
      ts: (i % 2 ? 1 : -1) * (8.64e15 - i * 1e10),
      maybe_ts: nul(0) ? null : i * 1e9 - 5e11,
      day: nul(1) ? null : `19${60 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`,
      nested: { a: i, z: [1, 'x😀', null, { q: true }] },
      list: nul(3) ? null : ['a', 'é', String(i)],
      'ünï "key"': texts[(i * 5) % texts.length],
    };
  });

const dated = layoutFromReadSchema(
  { fields: [{ name: 'event_time', type: opt({ kind: 'Date' }) }, { name: 's', type: { kind: 'String' } }, { name: 'n', type: { kind: 'Int32' } }, { name: 'm', type: opt({ kind: 'Int32' }) }] },
  DEFAULT_VOCAB,
);
const datedRows = (n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ op: 0, event_time: i % 4 === 0 ? null : `2026-0${1 + (i % 9)}-1${i % 10}`, s: texts[i % texts.length], n: i * 7919 - 1e6, m: i % 3 ? i : null }));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What a slice of these rows stores, staged as a pull stages it (`stored` made beforehand) or not. */
function sliceBytes(layout: SliceLayout, rows: Row[], staged: boolean) {
  const column = layout.vocab.eventTimeColumn;
  const fill = layout.eventTimeType.kind === 'Date' ? sys.toISOString().slice(0, 10) : sys.getTime();
  const stored = staged ? rows.map((r) => toStagedRow({ ...r, [column]: r[column] ?? fill }, layout)) : undefined;
  const s = stageSlice({ merged: rows, stored, layout, systemTime: sys, nextOffset: 9007199254740000n, prevWatermark: null, committedDataSchema: null })!;
  const { segment } = s.slice.arrow;
  return {
    hash: s.slice.hash,
    size: s.slice.size,
    canonical: sha256(s.slice.canonical!),
    batches: sha256(inflateSegment(segment)),
    deflated: sha256(segment.deflated),
    adler32: segment.adler32,
    storedIpc: sha256(sliceArrowIpc(s.slice.rows, layout)),
  };
}

describe('slice bytes', () => {
  it('encodes varied rows to the bytes pinned before the encoders were sped up, staged by a pull or not', () => {
    for (const staged of [false, true]) {
      expect(sliceBytes(wide, wideRows(150), staged), `wide, staged ${staged}`).toEqual(PINNED.wide);
      expect(sliceBytes(dated, datedRows(150), staged), `dated, staged ${staged}`).toEqual(PINNED.dated);
    }
  });
});

const PINNED = {
  wide: {
    hash: 'f1620f6d15243712859a31846a4a37c47c1fd70522e2b215c76c24c507626a8edab45',
    size: 65077,
    canonical: '34ddf4e5dc796ca198eb21f6de66d1fc8c6ec55285a99c6e4ffdeedb37b9b6cf',
    batches: 'fcc1b0081bee09bc49b21518e82a8958f5b0f4846a1af1c7af119b8af26c0bda',
    deflated: 'af175f7e1a7b8190eaf22f0caef2fe46f5b35dd6bc3d3046733ef99e8743ac5b',
    adler32: 2914857437,
    storedIpc: 'de559a736c086cc85c3a94fd82cb007572efb670d05dee9d8b694cf41465d90d',
  },
  dated: {
    hash: 'f1620fc468ab9cc9179961ad243f13a7e130b14b98d6a549c2624f98e88deca7343f0',
    size: 20258,
    canonical: 'eec94e71885f0d74553480908293d8b6595f70f4ada6392c509e0d1b87d4923d',
    batches: '2d3cb7173e1420b2d703150daffb0629358727c702f016083ba6317bebba7549',
    deflated: 'a073b5d6abb81ffdd3974056d1c355b27f09b62d664c1b4cc9dd44d123beddbb',
    adler32: 2151318852,
    storedIpc: '56006915dd5ec7d5fbe21cd0c7762dc10684821ab2248087d1d7ce806c39a9e4',
  },
};
