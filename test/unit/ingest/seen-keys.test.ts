import { describe, expect, it } from 'vitest';
import { Op, type Row } from '../../../lib/data/row';
import { keyHash64 } from '../../../lib/ingest/key-hash';
import { createMergeStrategy } from '../../../lib/ingest/merge/create-merge-strategy';
import { stateKeyOf } from '../../../lib/ingest/merge/merge-support';
import type { IngestStore, SeenKeyGroup } from '../../../lib/ingest/ports';
import { findSeenKeys, seenKeyGroup } from '../../../lib/ingest/seen-keys';
import { CTX } from '../merge/merge-fixtures';

const ledger = createMergeStrategy({ kind: 'Ledger', primaryKey: ['city'] }, CTX);
const row = (city: string): Row => ({ op: Op.Append, year: 2020, city, population: 1n });
const key = (city: string) => stateKeyOf(['city'], row(city));

/** A store holding `groups`, answering by hash as Postgres's `hashes && $2` does. */
function storeOf(groups: SeenKeyGroup[]): IngestStore {
  return {
    findSeenKeyGroups: async (_num: number, hashes: bigint[]) => groups.filter((g) => hashes.some((h) => g.hashes.includes(h))),
  } as unknown as IngestStore;
}

describe("Ledger's seen keys", () => {
  it('records a batch as the hashes of its keys at its offsets, and finds a key seen in it', async () => {
    const rows = [row('Tokyo'), row('Lima')];
    const group = seenKeyGroup(ledger, rows, 10n);
    expect(group).toEqual({ offsetStart: 10n, rowCount: 2, hashes: BigInt64Array.from([keyHash64(key('Tokyo')), keyHash64(key('Lima'))]) });
    const asked: SeenKeyGroup[] = [];
    const seen = await findSeenKeys({ store: storeOf([group]), datasetNum: 1, strategy: ledger, keys: [key('Lima'), key('Oslo')], rowsOf: async (g) => (asked.push(g), rows) });
    expect([...seen]).toEqual([key('Lima')]);
    expect(asked).toEqual([group]);
  });

  it('confirms a hash hit against the rows: a key that only shares a hash with a seen one is new', async () => {
    // As if "Oslo" collided with "Tokyo": the group carries Oslo's hash, its rows hold only Tokyo.
    const colliding: SeenKeyGroup = { offsetStart: 0n, rowCount: 1, hashes: BigInt64Array.from([keyHash64(key('Oslo'))]) };
    const seen = await findSeenKeys({ store: storeOf([colliding]), datasetNum: 1, strategy: ledger, keys: [key('Oslo')], rowsOf: async () => [row('Tokyo')] });
    expect(seen.size).toBe(0);
  });

  it('spreads keys that differ in one character over the whole 64 bits', () => {
    const hashes = new Set(Array.from({ length: 100_000 }, (_, i) => keyHash64(`["s2026-01-01T00:00:${i}Z","sdevice-${i % 1000}"]`)));
    expect(hashes.size).toBe(100_000);
    expect([...hashes].some((h) => h < 0n) && [...hashes].some((h) => h > 2n ** 62n)).toBe(true);
  });
});
