import { describe, expect, it } from 'vitest';
import { Op } from '../../../lib/data/row';
import { MergeError } from '../../../lib/ingest/merge/merge-strategy';
import { SnapshotStrategy } from '../../../lib/ingest/merge/snapshot';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';
import { CTX, FIELDS, input, MemoryState, mergeAfter, out } from './merge-fixtures';

const { Append: A, Retract: R, CorrectFrom: CF, CorrectTo: CT } = Op;

describe('Snapshot merge (ported from kamu test_merge_strategy_snapshot.rs)', () => {
  const strategy = new SnapshotStrategy(['city'], undefined, CTX);

  it('merge to empty', () => {
    expect(mergeAfter(strategy, [], [input(null, 'vancouver', 1), input(null, 'seattle', 2)])).toEqual([
      out(A, null, 'seattle', 2),
      out(A, null, 'vancouver', 1),
    ]);
  });

  it('no changes, ordered', () => {
    const ledger = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2)];
    expect(mergeAfter(strategy, ledger, [input(null, 'vancouver', 1), input(null, 'seattle', 2)])).toEqual([]);
  });

  it('no changes, unordered', () => {
    const ledger = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2)];
    expect(mergeAfter(strategy, ledger, [input(null, 'seattle', 2), input(null, 'vancouver', 1)])).toEqual([]);
  });

  it('mix of changes', () => {
    const ledger = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)];
    expect(
      mergeAfter(strategy, ledger, [input(null, 'seattle', 2), input(null, 'kyiv', 4), input(null, 'odessa', 5)]),
    ).toEqual([
      out(CF, 2020, 'kyiv', 3),
      out(CT, null, 'kyiv', 4),
      out(A, null, 'odessa', 5),
      out(R, 2020, 'vancouver', 1),
    ]);
  });

  it('invalid primary key', () => {
    expect(() => new SnapshotStrategy(['city', 'foo'], undefined, { fields: FIELDS, vocab: DEFAULT_VOCAB })).toThrow(
      MergeError,
    );
  });

  it('input carries event time', () => {
    const ledger = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)];
    expect(
      mergeAfter(strategy, ledger, [input(2020, 'seattle', 2), input(2021, 'kyiv', 3), input(2021, 'odessa', 5)]),
    ).toEqual([
      out(CF, 2020, 'kyiv', 3),
      out(CT, 2021, 'kyiv', 3),
      out(A, 2021, 'odessa', 5),
      out(R, 2020, 'vancouver', 1),
    ]);
  });
});

describe('Snapshot', () => {
  const strategy = new SnapshotStrategy(['city'], undefined, CTX);

  it('needs the whole state, to find keys the snapshot no longer has', () => {
    expect(strategy.stateNeed()).toEqual({ kind: 'all' });
  });

  it('retracts everything when the snapshot is empty', () => {
    const ledger = [out(A, 2020, 'b', 2), out(A, 2020, 'a', 1)];
    expect(mergeAfter(strategy, ledger, [])).toEqual([out(R, 2020, 'a', 1), out(R, 2020, 'b', 2)]);
  });

  it('treats everything as new when the history exists but the state is empty', () => {
    const ledger = [out(A, 2020, 'a', 1), out(R, 2020, 'a', 1)];
    expect(mergeAfter(strategy, ledger, [input(null, 'a', 1)])).toEqual([out(A, null, 'a', 1)]);
  });

  it('compares only compareColumns when given', () => {
    const byPopulation = new SnapshotStrategy(['city'], ['population'], CTX);
    const ledger = [out(A, 2020, 'a', 1), out(A, 2020, 'b', 2)];
    expect(mergeAfter(byPopulation, ledger, [input(2021, 'a', 1), input(2020, 'b', 3)])).toEqual([
      out(CF, 2020, 'b', 2),
      out(CT, 2020, 'b', 3),
    ]);
  });

  it('rejects unknown or empty compareColumns', () => {
    expect(() => new SnapshotStrategy(['city'], ['size'], CTX)).toThrow(
      'compare column "size" is not in the read schema (columns: year, city, population)',
    );
    expect(() => new SnapshotStrategy(['city'], [], CTX)).toThrow('compare columns must not be empty');
  });

  it('orders by each primary-key column in turn, then op', () => {
    const byYearCity = new SnapshotStrategy(['population', 'city'], undefined, CTX);
    const ledger = [out(A, 2020, 'b', 2), out(A, 2020, 'a', 2)];
    expect(mergeAfter(byYearCity, ledger, [input(2021, 'b', 2), input(2020, 'c', 1)])).toEqual([
      out(A, 2020, 'c', 1),
      out(R, 2020, 'a', 2),
      out(CF, 2020, 'b', 2),
      out(CT, 2021, 'b', 2),
    ]);
  });
});

describe('Snapshot state projection (ported from kamu MergeStrategySnapshot::project tests)', () => {
  const strategy = new SnapshotStrategy(['city'], undefined, CTX);
  const project = (ledger: ReturnType<typeof out>[]) => {
    const state = new MemoryState();
    state.commit(strategy, ledger);
    return [...state.rows.values()];
  };
  const row = (year: number, city: string, population: number) => ({ year, city, population: BigInt(population) });

  it('empty', () => {
    expect(project([])).toEqual([]);
  });

  it('append', () => {
    expect(project([out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2)])).toEqual(
      expect.arrayContaining([row(2020, 'vancouver', 1), row(2020, 'seattle', 2)]),
    );
  });

  it('append then retract', () => {
    expect(project([out(A, 2020, 'vancouver', 1), out(R, 2020, 'vancouver', 0)])).toEqual([]);
  });

  it('correct', () => {
    expect(
      project([out(A, 2020, 'vancouver', 1), out(CF, 2020, 'vancouver', 1), out(CT, 2020, 'vancouver', 2)]),
    ).toEqual([row(2020, 'vancouver', 2)]);
  });

  it('mixed', () => {
    const state = project([
      out(A, 2020, 'vancouver', 1),
      out(A, 2020, 'seattle', 2),
      out(CF, 2020, 'vancouver', 1),
      out(CT, 2020, 'vancouver', 3),
      out(A, 2020, 'kyiv', 4),
      out(R, 2020, 'seattle', 0),
      out(CF, 2020, 'kyiv', 4),
      out(CT, 2020, 'kyiv', 1),
    ]);
    expect(state).toHaveLength(2);
    expect(state).toEqual(expect.arrayContaining([row(2020, 'vancouver', 3), row(2020, 'kyiv', 1)]));
  });
});

describe("Snapshot: a pull's records are the snapshot, the latest record of a key wins", () => {
  const strategy = new SnapshotStrategy(['city'], undefined, CTX);

  it('merge to empty: a key read twice is one +A with its latest values', () => {
    expect(mergeAfter(strategy, [], [input(null, 'vancouver', 1), input(null, 'seattle', 2), input(null, 'vancouver', 3)])).toEqual([
      out(A, null, 'seattle', 2),
      out(A, null, 'vancouver', 3),
    ]);
  });

  it('mix of changes (Kamu\'s case) with every key repeated: the same changelog as the last records alone', () => {
    const ledger = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)];
    const repeated = [input(null, 'kyiv', 9), input(null, 'odessa', 1), input(null, 'seattle', 7), input(null, 'seattle', 2), input(null, 'kyiv', 4), input(null, 'odessa', 5)];
    expect(mergeAfter(strategy, ledger, repeated)).toEqual([
      out(CF, 2020, 'kyiv', 3),
      out(CT, null, 'kyiv', 4),
      out(A, null, 'odessa', 5),
      out(R, 2020, 'vancouver', 1),
    ]);
  });

  it('the same record delivered twice (retained state queued and resent) is no change, not two -C/+C pairs', () => {
    const ledger = [out(A, 2020, 'a', 1), out(A, 2020, 'b', 2)];
    expect(mergeAfter(strategy, ledger, [input(2020, 'a', 1), input(2020, 'b', 5), input(2020, 'b', 5)])).toEqual([
      out(CF, 2020, 'b', 2),
      out(CT, 2020, 'b', 5),
    ]);
  });

  it('an earlier record that changed the key counts for nothing when the latest equals the state', () => {
    const ledger = [out(A, 2020, 'a', 1)];
    expect(mergeAfter(strategy, ledger, [input(2021, 'a', 7), input(2020, 'a', 1)])).toEqual([]);
  });

  it('compareColumns decide with the latest record only', () => {
    const byPopulation = new SnapshotStrategy(['city'], ['population'], CTX);
    const ledger = [out(A, 2020, 'a', 1)];
    expect(mergeAfter(byPopulation, ledger, [input(2020, 'a', 2), input(2021, 'a', 1)])).toEqual([]);
    expect(mergeAfter(byPopulation, ledger, [input(2020, 'a', 1), input(2021, 'a', 3)])).toEqual([out(CF, 2020, 'a', 1), out(CT, 2021, 'a', 3)]);
  });

  it('a composite key is one key only when every column matches', () => {
    const byYearCity = new SnapshotStrategy(['year', 'city'], undefined, CTX);
    expect(mergeAfter(byYearCity, [], [input(2020, 'a', 1), input(2021, 'a', 2), input(2020, 'a', 3)])).toEqual([
      out(A, 2020, 'a', 3),
      out(A, 2021, 'a', 2),
    ]);
  });

  it('rows with a null primary key never join, so none of them replaces another', () => {
    const byYear = new SnapshotStrategy(['year'], undefined, CTX);
    expect(mergeAfter(byYear, [], [input(null, 'a', 1), input(null, 'b', 2)])).toEqual([out(A, null, 'a', 1), out(A, null, 'b', 2)]);
  });
});
