import { describe, expect, it } from 'vitest';
import { Op, type Row } from '../../../lib/data/row';
import { keyHash64 } from '../../../lib/ingest/key-hash';
import { createMergeStrategy } from '../../../lib/ingest/merge/create-merge-strategy';
import { stateKeyOf } from '../../../lib/ingest/merge/merge-support';
import type { IngestStore, SeenKeyGroup } from '../../../lib/ingest/ports';
import { findSeenKeys, keyPosition, seenKeyForm, seenKeyGroup, seenKeyOrder } from '../../../lib/ingest/seen-keys';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';
import { CTX } from '../merge/merge-fixtures';

const ledger = createMergeStrategy({ kind: 'Ledger', primaryKey: ['city'] }, CTX);
const row = (city: string): Row => ({ op: Op.Append, year: 2020, city, population: 1n });
const key = (city: string) => stateKeyOf(['city'], row(city));

/** A store holding `groups`, answering by position. */
function storeOf(groups: SeenKeyGroup[]): IngestStore {
  return {
    findSeenKeyGroups: async (_num: number, positions: bigint[]) => groups.filter((g) => positions.some((p) => g.positions.includes(p))),
  } as unknown as IngestStore;
}

describe("Ledger's seen keys", () => {
  it('records a batch as the positions of its keys at its offsets, and finds a key seen in it', async () => {
    const rows = [row('Tokyo'), row('Lima')];
    const group = seenKeyGroup(ledger, rows, 10n);
    // No event time in the key: hash order, the hash's top 48 bits.
    expect(seenKeyForm(ledger)).toBe('Ledger/seen-hash64');
    expect(group).toEqual({ offsetStart: 10n, rowCount: 2, positions: BigInt64Array.from([keyHash64(key('Tokyo')) >> 16n, keyHash64(key('Lima')) >> 16n]) });
    const asked: SeenKeyGroup[] = [];
    const seen = await findSeenKeys({ store: storeOf([group]), datasetNum: 1, strategy: ledger, keys: [key('Lima'), key('Oslo')], rowsOf: async (g) => (asked.push(g), rows) });
    expect([...seen]).toEqual([key('Lima')]);
    expect(asked).toEqual([group]);
  });

  it('confirms a position hit against the rows: a key that only shares a position with a seen one is new', async () => {
    // As if "Oslo" collided with "Tokyo": the group carries Oslo's position, its rows hold only Tokyo.
    const colliding: SeenKeyGroup = { offsetStart: 0n, rowCount: 1, positions: BigInt64Array.from([keyPosition(seenKeyOrder(ledger), key('Oslo'))]) };
    const seen = await findSeenKeys({ store: storeOf([colliding]), datasetNum: 1, strategy: ledger, keys: [key('Oslo')], rowsOf: async () => [row('Tokyo')] });
    expect(seen.size).toBe(0);
  });

  it('orders keys holding the event-time column by their second first, wherever the column stands in the key', () => {
    const fields = [{ name: 'event_time', type: { kind: 'Timestamp' as const, unit: 'Millisecond' as const, timezone: 'UTC' } }, { name: 'city', type: { kind: 'String' as const } }];
    for (const primaryKey of [['event_time', 'city'], ['city', 'event_time']]) {
      const strategy = createMergeStrategy({ kind: 'Ledger', primaryKey }, { fields, vocab: DEFAULT_VOCAB });
      const order = seenKeyOrder(strategy);
      expect(order).toEqual({ kind: 'time', index: primaryKey.indexOf('event_time') });
      expect(seenKeyForm(strategy)).toBe('Ledger/seen-time64(event_time)');
      const at = (ms: number, city: string) => keyPosition(order, stateKeyOf(primaryKey, { event_time: ms, city }));
      const t0 = Date.UTC(2026, 0, 1);
      const positions = Array.from({ length: 1000 }, (_, i) => at(t0 + i * 1000, `c${i}`));
      expect([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(positions);
      expect(at(t0 + 999, 'x') >> 32n).toBe(BigInt(t0 / 1000)); // the second, then 32 hash bits
      expect(at(t0 - 1, 'x') >> 32n).toBe(BigInt(t0 / 1000 - 1));
    }
  });

  it('spreads keys that differ in one character over the whole 64 bits', () => {
    const hashes = new Set(Array.from({ length: 100_000 }, (_, i) => keyHash64(`["s2026-01-01T00:00:${i}Z","sdevice-${i % 1000}"]`)));
    expect(hashes.size).toBe(100_000);
    expect([...hashes].some((h) => h < 0n) && [...hashes].some((h) => h > 2n ** 62n)).toBe(true);
  });
});
