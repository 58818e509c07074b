import { describe, expect, it } from 'vitest';
import { cellKey } from '../../../lib/data/cell-codec';
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
});
