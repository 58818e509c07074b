import { describe, expect, it } from 'vitest';
import { inferReadSchema, MAX_INFERRED_FIELDS } from '../../../lib/ingest/read/infer-schema';

const enc = (...payloads: unknown[]) => payloads.map((p) => Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)));
const opts = { eventTimeColumn: 'event_time', maxPayloadBytes: 1 << 20 };
const opt = (inner: object) => ({ kind: 'Option', inner });

describe('inferReadSchema (reads without a declared schema, as Kamu infers one)', () => {
  it('types columns from every record, nullable, in first-seen order', () => {
    const schema = inferReadSchema({ kind: 'NdJson' }, enc({ a: 1, b: 'x', c: true }, '{"a": 2.5, "d": null} {"e": {"k": 1}, "f": [1, 2]}'), opts);
    expect(schema).toEqual({
      fields: [
        { name: 'a', type: opt({ kind: 'Float64' }) },
        { name: 'b', type: opt({ kind: 'String' }) },
        { name: 'c', type: opt({ kind: 'Bool' }) },
        { name: 'd', type: opt({ kind: 'String' }) },
        { name: 'e', type: opt({ kind: 'Struct', fields: [] }) },
        { name: 'f', type: opt({ kind: 'List', itemType: { kind: 'String' } }) },
      ],
    });
  });

  it('leaves out a "__proto__" key, which no column can hold', () => {
    expect(inferReadSchema({ kind: 'NdJson' }, enc('{"__proto__": {"x": 1}, "a": "v"}'), opts)).toEqual({ fields: [{ name: 'a', type: opt({ kind: 'String' }) }] });
  });

  it('takes at most 256 columns, the first keys seen', () => {
    const wide = Object.fromEntries(Array.from({ length: 65_000 }, (_, i) => [`k${i}`, i]));
    const schema = inferReadSchema({ kind: 'NdJson' }, enc(wide), opts)!;
    expect(schema.fields).toHaveLength(MAX_INFERRED_FIELDS);
    expect(schema.fields.at(-1)!.name).toBe('k255');
  });

  it('keeps integers Int64 and mixed kinds as text', () => {
    const schema = inferReadSchema({ kind: 'NdJson' }, enc({ n: 1 }, { n: 2, m: 'x' }, { m: 3 }), opts);
    expect(schema!.fields.map((f) => [f.name, (f.type as { inner: { kind: string } }).inner.kind])).toEqual([
      ['n', 'Int64'],
      ['m', 'String'],
    ]);
  });

  it('reads an integer event time as Unix seconds and a string one as RFC 3339', () => {
    expect(inferReadSchema({ kind: 'NdJson' }, enc({ event_time: 1767225600 }), opts)!.fields[0].type).toEqual(opt({ kind: 'Timestamp', unit: 'Second', timezone: 'UTC' }));
    expect(inferReadSchema({ kind: 'NdJson' }, enc({ event_time: '2026-01-01T00:00:00Z' }), opts)!.fields[0].type).toEqual(opt({ kind: 'Timestamp', unit: 'Millisecond', timezone: 'UTC' }));
  });

  it('follows Json subPath and skips unreadable payloads', () => {
    const schema = inferReadSchema({ kind: 'Json', subPath: 'data.items' }, enc('not json', { data: { items: [{ x: 1 }] } }), opts);
    expect(schema).toEqual({ fields: [{ name: 'x', type: opt({ kind: 'Int64' }) }] });
  });

  it('returns undefined when nothing holds a record, and refuses CSV', () => {
    expect(inferReadSchema({ kind: 'NdJson' }, enc('garbage', ''), opts)).toBeUndefined();
    expect(() => inferReadSchema({ kind: 'Csv' }, enc('a,b'), opts)).toThrow(/Csv payloads need a read schema/);
  });
});
