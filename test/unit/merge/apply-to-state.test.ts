import { describe, expect, it } from 'vitest';
import { cellKey } from '../../../lib/data/cell-codec';
import { Op, type Row } from '../../../lib/data/row';
import { AppendStrategy } from '../../../lib/ingest/merge/append';
import { applyToState } from '../../../lib/ingest/merge/apply-to-state';
import { LedgerStrategy } from '../../../lib/ingest/merge/ledger';
import { SnapshotStrategy } from '../../../lib/ingest/merge/snapshot';
import { UpsertStreamStrategy } from '../../../lib/ingest/merge/upsert-stream';
import { CTX, CTX_WITH_OP, input, MemoryState, out } from './merge-fixtures';

const { Append: A, Retract: R, CorrectFrom: CF, CorrectTo: CT } = Op;

/** The engine fills null event times (year) with the commit's system time before committing. */
function fillEventTime(rows: Row[], year: number): Row[] {
  return rows.map((row) => ({ ...row, year: row.year ?? year }));
}

describe('applyToState', () => {
  const snapshot = new SnapshotStrategy(['city'], undefined, CTX);

  it('sets +A/+C rows without the op column, deletes -R keys, ignores -C', () => {
    const { upserts, deletes } = applyToState(snapshot, [
      out(A, 2020, 'a', 1),
      out(A, 2020, 'b', 2),
      out(CF, 2020, 'a', 1),
      out(CT, 2021, 'a', 5),
      out(R, 2020, 'b', 2),
    ]);
    expect([...upserts]).toEqual([[cellKey(['a']), input(2021, 'a', 5)]]);
    expect([...deletes]).toEqual([cellKey(['b'])]);
  });

  it('lets a later row of the same key win, whatever it is', () => {
    const { upserts, deletes } = applyToState(snapshot, [out(R, 2020, 'a', 1), out(A, 2021, 'a', 2)]);
    expect([...upserts.values()]).toEqual([input(2021, 'a', 2)]);
    expect(deletes.size).toBe(0);
  });

  it('keeps no state for Append', () => {
    const { upserts, deletes } = applyToState(new AppendStrategy(CTX), [out(A, 2020, 'a', 1)]);
    expect(upserts.size + deletes.size).toBe(0);
  });
});

describe('multi-batch history through the state table', () => {
  it('Snapshot: changes, removals and re-additions across three batches, with filled event times', () => {
    const state = new MemoryState();
    const ingest = (batch: Row[], systemYear: number) => {
      const committed = fillEventTime(state.merge(snapshot, batch), systemYear);
      state.commit(snapshot, committed);
      return committed;
    };
    const snapshot = new SnapshotStrategy(['city'], undefined, CTX);

    expect(ingest([input(null, 'kyiv', 3), input(null, 'seattle', 2)], 2020)).toEqual([
      out(A, 2020, 'kyiv', 3),
      out(A, 2020, 'seattle', 2),
    ]);
    expect(ingest([input(null, 'kyiv', 4), input(null, 'odessa', 5)], 2021)).toEqual([
      out(CF, 2020, 'kyiv', 3),
      out(CT, 2021, 'kyiv', 4),
      out(A, 2021, 'odessa', 5),
      out(R, 2020, 'seattle', 2),
    ]);
    // -R carries the event time stored in batch 2, not a new one.
    expect(ingest([input(null, 'odessa', 5), input(null, 'seattle', 2)], 2022)).toEqual([
      out(R, 2021, 'kyiv', 4),
      out(A, 2022, 'seattle', 2),
    ]);
    expect([...state.rows.values()]).toEqual(
      expect.arrayContaining([input(2021, 'odessa', 5), input(2022, 'seattle', 2)]),
    );
    expect(state.rows.size).toBe(2);
  });

  it('Ledger: a key seen in any earlier batch stays seen', () => {
    const ledger = new LedgerStrategy(['city'], CTX);
    const state = new MemoryState();
    for (const batch of [[input(2020, 'a', 1)], [input(2021, 'b', 1)]]) {
      state.commit(ledger, state.merge(ledger, batch));
    }
    expect(state.merge(ledger, [input(2022, 'a', 9), input(2022, 'b', 9), input(2022, 'c', 9)])).toEqual([
      out(A, 2022, 'c', 9),
    ]);
  });

  it('UpsertStream: delete then re-insert of a key', () => {
    const upsert = new UpsertStreamStrategy(['city'], CTX_WITH_OP);
    const state = new MemoryState();
    const ingest = (batch: Row[]) => {
      const committed = state.merge(upsert, batch);
      state.commit(upsert, committed);
      return committed;
    };
    expect(ingest([out(A, 2020, 'a', 1)])).toEqual([out(A, 2020, 'a', 1)]);
    expect(ingest([out(R, 2020, 'a', 0)])).toEqual([out(R, 2020, 'a', 1)]);
    expect(ingest([out(R, 2020, 'a', 0)])).toEqual([]);
    expect(ingest([out(A, 2021, 'a', 2)])).toEqual([out(A, 2021, 'a', 2)]);
    expect(ingest([out(A, 2021, 'a', 3)])).toEqual([out(CF, 2021, 'a', 2), out(CT, 2021, 'a', 3)]);
  });
});
