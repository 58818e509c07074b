import { describe, expect, it } from 'vitest';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';
import { layoutFromReadSchema, dataSchemaOf } from '../../../lib/ingest/slice-layout';
import { stageSlice } from '../../../lib/ingest/stage-slice';
import { encodeSliceLine, hashSlice, SliceBytes, type SliceRow } from '../../../lib/ingest/slice-encoding';
import { sha3Multihash } from '../../../lib/chain/hash';

const layout = layoutFromReadSchema(
  { fields: [{ name: 'event_time', type: { kind: 'Option', inner: { kind: 'Timestamp', unit: 'Second' } } }, { name: 'device', type: { kind: 'String' } }, { name: 'n', type: { kind: 'Int64' } }] },
  DEFAULT_VOCAB,
);
const sys = new Date('2026-03-01T12:00:00.000Z');
const ms = (iso: string) => Date.parse(iso);

describe('stageSlice', () => {
  it('assigns contiguous offsets, fills null event times with the system time, writes SetDataSchema then AddData', () => {
    const s = stageSlice({
      merged: [
        { op: 0, event_time: ms('2026-01-01T00:00:00Z'), device: 'a', n: 1n },
        { op: 0, event_time: null, device: 'b', n: 2n },
      ],
      layout,
      systemTime: sys,
      nextOffset: 5n,
      prevWatermark: null,
      committedDataSchema: null,
    })!;
    expect(s.slice.rows.map((r) => [r.offset, r.eventTime.toISOString(), r.data])).toEqual([
      [5n, '2026-01-01T00:00:00.000Z', ['a', '1']],
      [6n, '2026-03-01T12:00:00.000Z', ['b', '2']],
    ]);
    expect(s.committedRows[1].event_time).toBe(sys.getTime());
    expect(s.events.map((e) => e.kind)).toEqual(['SetDataSchema', 'AddData']);
    expect(s.events[1]).toEqual({
      kind: 'AddData',
      prevOffset: 4,
      newData: { logicalHash: s.slice.hash, physicalHash: s.slice.hash, offsetInterval: { start: 5, end: 6 }, size: s.slice.size },
      newWatermark: '2026-03-01T12:00:00.000Z',
    });
    expect(s.dataSchema!.fields.map((f) => `${f.name}:${f.type.kind}`)).toEqual(['offset:Int64', 'op:Int32', 'system_time:Timestamp', 'event_time:Timestamp', 'device:String', 'n:Int64']);
  });

  it('never moves the watermark backwards and writes no SetDataSchema for an unchanged schema', () => {
    const s = stageSlice({
      merged: [{ op: 0, event_time: ms('2025-01-01T00:00:00Z'), device: 'a', n: 1n }],
      layout,
      systemTime: sys,
      nextOffset: 0n,
      prevWatermark: new Date('2026-02-01T00:00:00Z'),
      committedDataSchema: dataSchemaOf(layout),
    })!;
    expect(s.watermark!.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(s.events.map((e) => e.kind)).toEqual(['AddData']);
    expect(s.events[0]).not.toHaveProperty('prevOffset');
  });

  it('returns nothing for no rows', () => {
    expect(stageSlice({ merged: [], layout, systemTime: sys, nextOffset: 0n, prevWatermark: null, committedDataSchema: null })).toBeUndefined();
  });

  it('encodes rows canonically: system columns first, exact 64-bit integers, RFC 3339 timestamps', () => {
    const line = encodeSliceLine({ offset: 9007199254740993n, op: 3, systemTime: sys, eventTime: sys, data: { device: 'x"y', n: 9007199254740993n } }, layout);
    expect(line).toBe('{"offset":9007199254740993,"op":3,"system_time":"2026-03-01T12:00:00.000Z","event_time":"2026-03-01T12:00:00.000Z","device":"x\\"y","n":9007199254740993}\n');
  });

  it("writes each data cell as JSON.stringify does (the hash covers it), whichever way it is quoted", () => {
    const wide = layoutFromReadSchema(
      { fields: [{ name: 'event_time', type: { kind: 'Timestamp', unit: 'Millisecond' } }, { name: 's', type: { kind: 'String' } }, { name: 'f', type: { kind: 'Float64' } }, { name: 't', type: { kind: 'Timestamp', unit: 'Millisecond' } }] },
      DEFAULT_VOCAB,
    );
    const strings = ['device-00042', '', 'x"y', 'a\\b', 'a\u001fb', '\udc00x', '😀', 'é\u2028'];
    const numbers = [0, -0, 1.5, -2e-7, 1e21, 12345678901234567890, NaN, Infinity];
    strings.forEach((text, i) => {
      const [f, t] = [numbers[i], i * 1e12];
      const line = encodeSliceLine({ offset: 1n, op: 0, systemTime: sys, eventTime: sys, data: { s: text, f, t } }, wide);
      const expected = `,"s":${JSON.stringify(text)},"f":${JSON.stringify(f)},"t":${JSON.stringify(new Date(t).toISOString())}}\n`;
      expect(line.slice(line.indexOf(',"s":'))).toBe(expected);
    });
  });

  it('rejects an event-time column that is not a Timestamp or Date', () => {
    expect(() => layoutFromReadSchema({ fields: [{ name: 'event_time', type: { kind: 'String' } }] }, DEFAULT_VOCAB)).toThrow(/must be a Timestamp or Date/);
  });

  // The reference is the canonical form's definition: each line JSON.stringify's text of the row's
  // cells in column order, 64-bit integers exact, timestamps as toISOString writes them.
  const wide = layoutFromReadSchema(
    {
      fields: [
        { name: 'event_time', type: { kind: 'Timestamp', unit: 'Millisecond' } },
        { name: 's', type: { kind: 'Option', inner: { kind: 'String' } } },
        { name: 'f', type: { kind: 'Option', inner: { kind: 'Float64' } } },
        { name: 't', type: { kind: 'Option', inner: { kind: 'Timestamp', unit: 'Millisecond' } } },
        { name: 'i', type: { kind: 'Option', inner: { kind: 'Int64' } } },
        { name: 'x', type: { kind: 'Option', inner: { kind: 'String' } } },
      ],
    },
    DEFAULT_VOCAB,
  );
  const cellText = (cell: unknown, timestamp: boolean): string => {
    if (cell === null) return 'null';
    if (typeof cell === 'bigint') return cell.toString();
    if (typeof cell === 'number' && timestamp) return JSON.stringify(new Date(cell).toISOString());
    return JSON.stringify(cell) ?? 'null';
  };
  const reference = (r: SliceRow, eventDateOnly = false) => {
    const iso = r.eventTime.toISOString();
    const event = JSON.stringify(eventDateOnly ? iso.slice(0, 10) : iso);
    const cells = ['s', 'f', 't', 'i', 'x'].map((k) => `,${JSON.stringify(k)}:${cellText(r.data[k] ?? null, k === 't')}`).join('');
    return `{"offset":${r.offset},"op":${r.op},"system_time":${JSON.stringify(r.systemTime.toISOString())},"event_time":${event}${cells}}\n`;
  };
  const strings = ['', 'device-00042', 'x'.repeat(64), 'y'.repeat(65), 'x"y', 'a\\b', 'a\u001fb', 'del\u007f', '\udc00x', 'a\ud83d', '😀', 'é\u2028', '\u0000'];
  const numbers = [0, -0, 7, -7, 1.5, -2e-7, 1e21, 123456789, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity];
  const times = [0, -1, 1, 999, 86_399_999, 1.5, -62_198_755_200_000, 253_402_300_800_000, 8.64e15, -8.64e15, Date.UTC(2026, 2, 1, 23, 59, 59, 999)];
  const ints = [0n, -1n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 70n];
  const rows: SliceRow[] = Array.from({ length: 200 }, (_, k) => ({
    offset: [0n, 1n, 9007199254740991n, 9007199254740993n, 2n ** 63n - 1n][k % 5],
    op: k % 3,
    systemTime: k < 100 ? sys : new Date(times[k % times.length] === 1.5 ? 0 : Math.trunc(times[k % times.length])),
    eventTime: new Date(Math.trunc(times[(k + 3) % times.length])),
    data: { s: strings[k % strings.length], f: numbers[k % numbers.length], t: k % 7 === 0 ? null : times[k % times.length], i: ints[k % ints.length], x: k % 2 ? true : { a: [1, 'b'] } },
  }));

  it('writes every line as its definition by JSON.stringify gives it: strings of any kind, numbers, 64-bit integers, timestamps of any year', () => {
    for (const r of rows) expect(encodeSliceLine(r, wide)).toBe(reference(r));
    const dated = layoutFromReadSchema({ fields: [{ name: 'event_time', type: { kind: 'Date' } }, ...wide.dataFields] }, DEFAULT_VOCAB);
    for (const r of rows) expect(encodeSliceLine(r, dated)).toBe(reference(r, true));
  });

  it('hashes the UTF-8 bytes of the lines joined, counts them as its size and hands them over', () => {
    const lines = ['{"a":"é😀"}\n', '', '{"b":"\u2028x"}\n', '{"c":1}\n'];
    const bytes = Buffer.from(lines.join(''), 'utf8');
    expect(hashSlice(lines)).toEqual({ hash: sha3Multihash(bytes), size: bytes.length, bytes });
    expect(hashSlice([])).toEqual({ hash: sha3Multihash(Buffer.alloc(0)), size: 0, bytes: Buffer.alloc(0) });
  });

  it('takes lines in chunks and grows past a short guess of their number, the same bytes', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `{"n":${i},"s":"${'é😀x'.repeat(i % 50)}"}\n`);
    const bytes = Buffer.from(lines.join(''), 'utf8');
    for (const guess of [0, 1, 64, 1000, 100_000]) {
      const slice = new SliceBytes(guess);
      for (const line of lines) slice.add(line);
      expect(slice.finish(), `guess ${guess}`).toEqual({ hash: sha3Multihash(bytes), size: bytes.length, bytes });
    }
  });
});
