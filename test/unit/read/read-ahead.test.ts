import { describe, expect, it } from 'vitest';
import { packedTransferables, ReadAheadPacker, readAheadPlan, ReadAheadResults, type PackedReadResults, type ReadAheadPlan } from '../../../lib/ingest/read/read-ahead';
import { readMessage, type ReaderConfig } from '../../../lib/ingest/read/read-message';
import type { DataField } from '../../../lib/odf/data-type';

const opt = (type: DataField['type']): DataField['type'] => ({ kind: 'Option', inner: type });

/** Every cell representation readMessage makes: boolean, number, bigint, string and JSON values. */
const FIELDS: DataField[] = [
  { name: 'event_time', type: opt({ kind: 'Timestamp' }) },
  { name: 'device', type: { kind: 'String' } },
  { name: 'ok', type: opt({ kind: 'Bool' }) },
  { name: 'n', type: opt({ kind: 'Int64' }) },
  { name: 'u', type: opt({ kind: 'UInt64' }) },
  { name: 'small', type: opt({ kind: 'Int16' }) },
  { name: 'x', type: opt({ kind: 'Float64' }) },
  { name: 'price', type: opt({ kind: 'Decimal', precision: 10, scale: 2 }) },
  { name: 'day', type: opt({ kind: 'Date' }) },
  { name: 'tags', type: opt({ kind: 'List', itemType: { kind: 'Float64' } }) },
  { name: 'meta', type: opt({ kind: 'Struct', fields: [{ name: 'a', type: { kind: 'String' } }] }) },
  { name: 'mqtt_topic', type: { kind: 'String' } },
];

const PAYLOADS = [
  '{"event_time":"2026-01-01T00:00:00.123Z","device":"d1","ok":true,"n":"9223372036854775807","u":"18446744073709551615","small":-5,"x":-0,"price":"12.5","day":"2026-02-03","tags":[-0,1.5],"meta":{"a":"ü"}}',
  '{"device":"lone \\ud800 surrogate","ok":false,"n":"-9223372036854775808","x":1e-300}',
  '{"device":"a"} {"device":"b","x":2}', // two records in one message
  '   ', // blank: no rows
  '{"device":"d1","x":"not a number"}', // quarantined
  'not json',
  '{"device":"d1","small":70000}', // out of range
];

function crossThreads(p: PackedReadResults): PackedReadResults {
  return structuredClone(p, { transfer: packedTransferables(p) });
}

function readAll(plan: ReadAheadPlan, payloads: string[]) {
  const packer = new ReadAheadPacker(plan);
  const messages = payloads.map((p, i) => ({ topic: `site/${i}`, payload: Buffer.from(p) }));
  for (const m of messages) packer.read(m);
  const results = new ReadAheadResults(crossThreads(packer.take()));
  // Asked for out of order, as a pull may (messages it skips are never unpacked).
  const ahead = messages.map((_, i) => messages.length - 1 - i).map((i) => results.at(i)).reverse();
  return messages.map((m, i) => ({ ahead: ahead[i], direct: (() => { try { return readMessage(plan.read, plan.readSchema, m, { maxPayloadBytes: plan.maxPayloadBytes }); } catch (err) { return err as Error; } })() }));
}

describe('read-ahead: rows read on the session thread are the rows the pull would read', () => {
  it('gives each message readMessage’s result, cell for cell (bigints at both int64 ends and beyond, -0, lone surrogates, JSON values), keys in schema order', () => {
    const plan = readAheadPlan({ kind: 'NdJson' }, { fields: FIELDS }, 1 << 20);
    const results = readAll(plan, PAYLOADS);
    for (const { ahead, direct } of results) {
      expect(ahead).toStrictEqual(direct);
      if (ahead?.ok) for (const row of ahead.rows) expect(Object.keys(row)).toEqual(FIELDS.map((f) => f.name));
    }
    const first = results[0].ahead;
    expect(first?.ok && first.rows[0].u).toBe(18446744073709551615n);
    expect(first?.ok && Object.is(first.rows[0].x, -0)).toBe(true);
    expect(first?.ok && Object.is((first.rows[0].tags as number[])[0], -0)).toBe(true);
    expect(results[2].ahead).toMatchObject({ ok: true, rows: [{ device: 'a' }, { device: 'b', x: 2 }] });
    expect(results[3].ahead).toMatchObject({ ok: true, rows: [] });
    expect(results.slice(4).map((r) => r.ahead?.ok)).toEqual([false, false, false]);
  });

  it('applies the plan’s payload limit and reader (Csv) as readMessage does', () => {
    const plan = readAheadPlan({ kind: 'Csv', header: false } as ReaderConfig, { fields: [{ name: 'a', type: { kind: 'String' } }, { name: 'b', type: opt({ kind: 'Int32' }) }] }, 8);
    for (const { ahead, direct } of readAll(plan, ['x,1', 'a much longer payload,2', 'y,'])) expect(ahead).toStrictEqual(direct);
  });

  it('leaves a message the reader throws on (an unusable read step) to the pull, which meets the error itself', () => {
    const plan = readAheadPlan({ kind: 'NdJson', encoding: 'latin1' } as ReaderConfig, { fields: FIELDS }, 1 << 20);
    const [{ ahead, direct }] = readAll(plan, ['{"device":"d"}']);
    expect(ahead).toBeUndefined();
    expect(direct).toBeInstanceOf(Error);
  });

  it('names the read step, schema and limit in its key: any difference is another key', () => {
    const base = readAheadPlan({ kind: 'NdJson' }, { fields: FIELDS }, 1024).key;
    expect(readAheadPlan({ kind: 'NdJson' }, { fields: FIELDS }, 1024).key).toBe(base);
    expect(readAheadPlan({ kind: 'Json' }, { fields: FIELDS }, 1024).key).not.toBe(base);
    expect(readAheadPlan({ kind: 'NdJson' }, { fields: FIELDS.slice(1) }, 1024).key).not.toBe(base);
    expect(readAheadPlan({ kind: 'NdJson' }, { fields: FIELDS }, 1025).key).not.toBe(base);
  });
});
