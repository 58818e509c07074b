import { describe, expect, it } from 'vitest';
import { Op } from '../../../lib/data/row';
import { AppendStrategy } from '../../../lib/ingest/merge/append';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';
import { CTX, FIELDS, input, mergeAfter, out } from './merge-fixtures';

const A = Op.Append;

describe('Append (ported from kamu test_merge_strategy_append.rs)', () => {
  const strategy = new AppendStrategy(CTX);

  it('merge to empty', () => {
    expect(
      mergeAfter(strategy, [], [input(2020, 'vancouver', 1), input(2021, 'seattle', 2), input(2022, 'kyiv', 3)]),
    ).toEqual([out(A, 2020, 'vancouver', 1), out(A, 2021, 'seattle', 2), out(A, 2022, 'kyiv', 3)]);
  });

  it('merge to some: history is ignored, nothing deduplicated', () => {
    const ledger = [out(A, 2020, 'vancouver', 1), out(A, 2021, 'seattle', 2), out(A, 2022, 'kyiv', 3)];
    expect(mergeAfter(strategy, ledger, [input(2023, 'vancouver', 1), input(2024, 'odessa', 4)])).toEqual([
      out(A, 2023, 'vancouver', 1),
      out(A, 2024, 'odessa', 4),
    ]);
  });
});

describe('Append', () => {
  it('sorts by event time ascending, nulls first, keeping input order on ties', () => {
    const strategy = new AppendStrategy(CTX);
    const rows = strategy.merge({ hasHistory: false, get: () => undefined, keys: () => [] }, [
      input(2022, 'a', 1),
      input(null, 'b', 2),
      input(2020, 'c', 3),
      input(null, 'd', 4),
      input(2020, 'e', 5),
    ]);
    expect(rows.map((r) => r.city)).toEqual(['b', 'd', 'c', 'e', 'a']);
  });

  it('puts the op column first and keeps input order without an event-time column', () => {
    const strategy = new AppendStrategy({ fields: FIELDS, vocab: DEFAULT_VOCAB });
    const rows = mergeAfter(strategy, [], [input(2022, 'b', 1), input(2020, 'a', 2)]);
    expect(rows.map((r) => Object.keys(r))).toEqual([
      ['op', 'year', 'city', 'population'],
      ['op', 'year', 'city', 'population'],
    ]);
    expect(rows.map((r) => r.city)).toEqual(['b', 'a']);
  });

  it('needs no state and keeps none', () => {
    const strategy = new AppendStrategy(CTX);
    expect(strategy.stateNeed()).toEqual({ kind: 'none' });
    expect(strategy.primaryKey).toEqual([]);
  });
});
