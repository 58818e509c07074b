import { describe, expect, it } from 'vitest';
import { dataSchemaOf, layoutFromReadSchema } from '../../../lib/ingest/slice-layout';
import { stagedWithoutSchema, takeOverStaged } from '../../../lib/ingest/take-over-staged';
import type { DataField } from '../../../lib/odf/data-type';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';

const eventTime: DataField = { name: 'event_time', type: { kind: 'Option', inner: { kind: 'Timestamp', unit: 'Second' } } };
const under = (fields: DataField[], event: DataField = eventTime) => layoutFromReadSchema({ fields: [event, ...fields] }, DEFAULT_VOCAB);
const device: DataField = { name: 'device', type: { kind: 'String' } };
const n: DataField = { name: 'n', type: { kind: 'Int64' } };
const staging = under([device, n]);
const t = new Date('2026-01-01T00:00:00Z');
const batch = (data: (string | null)[][]) => ({ dataSchema: dataSchemaOf(staging), rows: data.map((d) => ({ op: 0, eventTime: t, data: d })) });
const staged = batch([['a', '1']]);

describe("takeOverStaged: a killed pull's staged rows under the read schema of the next pull", () => {
  it('keeps rows staged under the same schema, or before batches recorded theirs, as stored', () => {
    expect(takeOverStaged([staged, { dataSchema: null, rows: staged.rows }], staging, [], 'd')).toEqual([...staged.rows, ...staged.rows]);
  });

  it('moves each cell to its column by name; a column gained is null, a dropped one that held nothing is left out', () => {
    const next = under([n, { name: 'site', type: { kind: 'Option', inner: { kind: 'String' } } }]);
    expect(takeOverStaged([batch([[null, '1']])], next, [], 'd')).toEqual([{ op: 0, eventTime: t, data: ['1', null] }]);
  });

  it('refuses what would change or lose a staged value, naming it', () => {
    const refused = (layout: ReturnType<typeof under>, key: string[] = []) => () => takeOverStaged([staged], layout, key, 'd');
    expect(refused(under([device, { name: 'n', type: { kind: 'Option', inner: { kind: 'Int64' } } }]))).toThrow(/staged 1 rows .*column "n" as Int64; the read schema now makes it optional Int64/);
    expect(refused(under([device, n], { name: 'event_time', type: { kind: 'Date' } }))).toThrow(/column "event_time" as Timestamp; the read schema now makes it Date/);
    const ts: DataField = { name: 'ts', type: { kind: 'Timestamp', unit: 'Millisecond' } };
    expect(refused(layoutFromReadSchema({ fields: [eventTime, device, n, ts] }, { ...DEFAULT_VOCAB, eventTimeColumn: 'ts' }))).toThrow(/with "event_time" as their event time; the read schema now takes "ts"/);
    expect(refused(under([device, n, { name: 'site', type: { kind: 'String' } }]))).toThrow(/without column "site", which the read schema now requires/);
    const optionalSite: DataField = { name: 'site', type: { kind: 'Option', inner: { kind: 'String' } } };
    expect(refused(under([device, n, optionalSite]), ['event_time', 'device', 'site'])).toThrow(/without column "site", which the merge key now uses/);
    expect(refused(under([n]))).toThrow(/with values in column "device", which the read schema no longer has/);
  });

  it('with no read schema left, says which columns to declare again', () => {
    expect(stagedWithoutSchema([staged], 'd').message).toMatch(/staged 1 rows .* Declare it again \(event_time \(Timestamp\), device \(String\), n \(Int64\)\)/);
  });
});
