import zlib from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { zlibFromSegments } from '../../../lib/data/deflate-segments';
import { arrowSchemaKey, arrowStreamEnds, sliceArrowIpc, sliceArrowSegment } from '../../../lib/ingest/slice-arrow';
import { layoutFromReadSchema } from '../../../lib/ingest/slice-layout';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';
import type { StoredRow } from '../../../lib/ingest/ports';
import { decodeStoredData } from '../../../lib/ingest/slice-encoding';
import type { Row } from '../../../lib/data/row';

const layout = layoutFromReadSchema(
  {
    fields: [
      { name: 'event_time', type: { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' } },
      { name: 'device', type: { kind: 'String' } },
      { name: 'seq', type: { kind: 'Int64' } },
      { name: 'small', type: { kind: 'Option', inner: { kind: 'Int16' } } },
      { name: 'price', type: { kind: 'Decimal', precision: 10, scale: 2 } },
      { name: 'day', type: { kind: 'Date' } },
    ],
  },
  DEFAULT_VOCAB,
);
const system = new Date('2026-11-25T10:00:00.000Z');
const row = (offset: number, data: StoredRow['data']): StoredRow => ({ offset: BigInt(offset), op: offset % 4, systemTime: system, eventTime: new Date(Date.UTC(2026, 0, 1, 0, 0, offset)), data });

describe('slice Arrow encoding', () => {
  it('types system and data columns: Int64 exact past 2^53, nulls, decimals as exact text, dates', () => {
    const t = tableFromIPC(sliceArrowIpc([row(0, ['a', '9007199254740993', 7, '12.50', '2026-03-01']), row(1, ['b', 1, null, '-0.01', '2026-03-02'])], layout));
    expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'offset:Int64', 'op:Int8', 'system_time:Timestamp<MILLISECOND>', 'event_time:Timestamp<MILLISECOND>',
      'device:Utf8', 'seq:Int64', 'small:Int32', 'price:Utf8', 'day:Date32<DAY>',
    ]);
    const r = t.get(0)!.toJSON();
    expect([r.offset, r.op, r.system_time, r.event_time, r.seq, r.small, r.price]).toEqual([0n, 0, system.getTime(), Date.UTC(2026, 0, 1), 9007199254740993n, 7, '12.50']);
    expect(t.getChild('day')!.get(1)).toBe(Date.UTC(2026, 2, 2));
    expect(t.get(1)!.toJSON().small).toBeNull();
  });

  it('writes null-free text and timestamp columns exactly (multi-byte and empty strings included)', () => {
    const texts = layoutFromReadSchema(
      { fields: [{ name: 'event_time', type: { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' } }, { name: 'name', type: { kind: 'String' } }, { name: 'seen', type: { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' } }] },
      DEFAULT_VOCAB,
    );
    const names = ['é😀 “x”', '', 'plain', '\u2028\n'];
    const seen = [Date.UTC(2026, 0, 1), -5, 0, 8.64e15];
    const t = tableFromIPC(sliceArrowIpc(names.map((name, i) => row(i, [name, seen[i]])), texts));
    expect(t.getChild('name')!.toArray()).toEqual(names);
    expect(seen.map((_, i) => t.getChild('seen')!.get(i))).toEqual(seen);
  });

  it('writes text columns in chunks the same as value by value: ASCII, multi-byte and a surrogate pair split over two values', () => {
    const texts = layoutFromReadSchema({ fields: [{ name: 'event_time', type: { kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' } }, { name: 'name', type: { kind: 'String' } }] }, DEFAULT_VOCAB);
    const names = Array.from({ length: 300 }, (_, i) => (i === 150 ? 'é' : i === 200 ? '\ud83d' : i === 201 ? '\ude00' : i % 7 === 0 ? '' : `name-${i}`));
    const t = tableFromIPC(sliceArrowIpc(names.map((name, i) => row(i, [name])), texts));
    // A lone surrogate is written as U+FFFD, as a write of that value alone writes it.
    expect(t.getChild('name')!.toArray()).toEqual(names.map((name) => (name === '\ud83d' || name === '\ude00' ? '\ufffd' : name)));
  });

  it('encodes a commit\'s typed rows as it encodes their stored JSON', () => {
    const stored = [row(0, ['a', '9007199254740993', 7, '12.50', '2026-03-01']), row(1, ['é😀', '-3', null, '-0.01', '2026-03-02']), row(2, ['', '0', 0, '0.00', '1969-12-31'])];
    const typed: Row[] = stored.map((r) => ({ op: r.op, event_time: r.eventTime.getTime(), ...decodeStoredData(r.data, layout) }));
    expect(typed[0].seq).toBe(9007199254740993n);
    expect(Buffer.from(sliceArrowIpc(stored, layout, typed))).toEqual(Buffer.from(sliceArrowIpc(stored, layout)));
    expect(sliceArrowSegment(stored, layout, typed)).toEqual(sliceArrowSegment(stored, layout));
  });

  it('joins slices compressed at commit into one stream, as served, with every row once', () => {
    const a = sliceArrowSegment([row(0, ['a', 1, 1, '1.00', '2026-01-01']), row(1, ['b', 2, 2, '2.00', '2026-01-02'])], layout);
    const b = sliceArrowSegment([row(2, ['c', 3, 3, '3.00', '2026-01-03'])], layout);
    const { head, tail } = arrowStreamEnds(layout);
    const t = tableFromIPC(zlib.inflateSync(zlibFromSegments([head, a, b, a, tail])));
    expect(t.numRows).toBe(5);
    expect(t.getChild('device')!.toArray()).toEqual(['a', 'b', 'c', 'a', 'b']);
  });

  it('keys the Arrow layout by column names, types and system column names', () => {
    const key = arrowSchemaKey(layout);
    const renamed = layoutFromReadSchema({ fields: layout.mergeFields.map((f) => (f.name === 'seq' ? { ...f, name: 'sequence' } : f)) }, DEFAULT_VOCAB);
    const retyped = layoutFromReadSchema({ fields: layout.mergeFields.map((f) => (f.name === 'seq' ? { ...f, type: { kind: 'Float64' as const } } : f)) }, DEFAULT_VOCAB);
    const vocab = layoutFromReadSchema({ fields: layout.mergeFields }, { ...DEFAULT_VOCAB, offsetColumn: 'position' });
    expect(arrowSchemaKey(layoutFromReadSchema({ fields: layout.mergeFields }, DEFAULT_VOCAB))).toBe(key);
    expect(new Set([key, arrowSchemaKey(renamed), arrowSchemaKey(retyped), arrowSchemaKey(vocab)]).size).toBe(4);
  });
});
