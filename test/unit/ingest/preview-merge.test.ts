import { describe, expect, it } from 'vitest';
import { cellKey } from '../../../lib/data/cell-codec';
import { latestPerTopic } from '../../../lib/datasets/snapshot-scope';
import { previewMerge } from '../../../lib/ingest/preview-merge';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';

const readSchema = { fields: [{ name: 'event_time', type: { kind: 'Timestamp' as const } }, { name: 'device', type: { kind: 'String' as const } }, { name: 'value', type: { kind: 'Float64' as const } }] };
const t = (s: number) => Date.UTC(2026, 0, 1, 0, 0, s);

describe('previewMerge: what the next pull would commit', () => {
  it('Ledger drops rows whose key the committed state already holds, and asks only for the batch keys', async () => {
    const asked: unknown[] = [];
    const r = await previewMerge({
      merge: { kind: 'Ledger', primaryKey: ['event_time', 'device'] },
      readSchema,
      vocab: DEFAULT_VOCAB,
      hasHistory: true,
      rows: [
        { event_time: t(1), device: 'a', value: 1 },
        { event_time: t(2), device: 'a', value: 2 },
      ],
      loadState: async (keys) => {
        asked.push(keys);
        return new Map([[cellKey([t(1), 'a']), null]]);
      },
    });
    expect(asked).toEqual([[cellKey([t(1), 'a']), cellKey([t(2), 'a'])]]);
    expect(r.columns).toEqual(['op', 'event_time', 'device', 'value']);
    expect(r.rows).toEqual([{ op: 0, event_time: t(2), device: 'a', value: 2 }]);
    expect(r.known).toEqual([{ event_time: t(1), device: 'a', value: 1 }]);
  });

  it('UpsertStream emits a correction pair against the committed row of a key', async () => {
    const r = await previewMerge({
      merge: { kind: 'UpsertStream', primaryKey: ['device'] },
      readSchema,
      vocab: DEFAULT_VOCAB,
      hasHistory: true,
      rows: [{ event_time: t(5), device: 'a', value: 9 }],
      loadState: async () => new Map([[cellKey(['a']), { event_time: t(1), device: 'a', value: 1 }]]),
    });
    expect(r.rows.map((row) => [row.op, row.value])).toEqual([[2, 1], [3, 9]]);
  });

  it('Snapshot takes every buffered record as the snapshot, each key with its latest record, as a pull does', async () => {
    const r = await previewMerge({
      merge: { kind: 'Snapshot', primaryKey: ['device'] },
      readSchema,
      vocab: DEFAULT_VOCAB,
      hasHistory: false,
      rows: [
        { event_time: t(1), device: 'b', value: 1 },
        { event_time: t(1), device: 'a', value: 1 },
        { event_time: t(2), device: 'b', value: 2 },
      ],
      loadState: async () => new Map(),
    });
    expect(r.rows.map((row) => [row.op, row.device, row.value])).toEqual([[0, 'a', 1], [0, 'b', 2]]);
  });
});

describe("latestPerTopic: the `topic` snapshot scope's messages", () => {
  it('keeps each topic\'s last message, in arrival order', () => {
    const m = (topic: string, n: number) => ({ topic, n });
    expect(latestPerTopic([m('x', 1), m('y', 2), m('x', 3), m('z', 4), m('y', 5)])).toEqual([m('x', 3), m('z', 4), m('y', 5)]);
  });
});
