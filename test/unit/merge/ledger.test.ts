import { describe, expect, it } from 'vitest';
import { Op } from '../../../lib/data/row';
import { LedgerStrategy } from '../../../lib/ingest/merge/ledger';
import { MergeError } from '../../../lib/ingest/merge/merge-strategy';
import { DEFAULT_VOCAB } from '../../../lib/odf/vocab';
import { BatchKeys, stateKeyOf } from '../../../lib/ingest/merge/merge-support';
import { CTX, FIELDS, input, MemoryState, mergeAfter, out } from './merge-fixtures';

const A = Op.Append;
const HISTORY = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)];

describe('Ledger (ported from kamu test_merge_strategy_ledger.rs)', () => {
  const strategy = new LedgerStrategy(['year', 'city'], CTX);

  it('merge to empty', () => {
    expect(
      mergeAfter(strategy, [], [input(2020, 'vancouver', 1), input(2020, 'seattle', 2), input(2020, 'kyiv', 3)]),
    ).toEqual([out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)]);
  });

  it('unseen', () => {
    expect(mergeAfter(strategy, HISTORY, [input(2020, 'odessa', 4)])).toEqual([out(A, 2020, 'odessa', 4)]);
  });

  it('seen tail ordered', () => {
    expect(mergeAfter(strategy, HISTORY, [input(2020, 'seattle', 2), input(2020, 'kyiv', 3)])).toEqual([]);
  });

  it('seen tail unordered', () => {
    expect(mergeAfter(strategy, HISTORY, [input(2020, 'kyiv', 3), input(2020, 'seattle', 2)])).toEqual([]);
  });

  it('seen middle', () => {
    expect(mergeAfter(strategy, HISTORY, [input(2020, 'seattle', 2)])).toEqual([]);
  });

  it('respects the primary key', () => {
    const ctx = { fields: FIELDS, vocab: DEFAULT_VOCAB };
    const prev = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2)];
    const ledger = (pk: string[]) => new LedgerStrategy(pk, ctx);

    expect(mergeAfter(ledger(['year']), prev, [input(2020, 'kiev', 3)])).toEqual([]);
    expect(mergeAfter(ledger(['year', 'city']), prev, [input(2020, 'seattle', 3)])).toEqual([]);
    expect(mergeAfter(ledger(['year', 'city', 'population']), prev, [input(2020, 'seattle', 3)])).toEqual([
      out(A, 2020, 'seattle', 3),
    ]);
    expect(mergeAfter(ledger(['year', 'city']), prev, [input(2021, 'seattle', 3)])).toEqual([
      out(A, 2021, 'seattle', 3),
    ]);
  });

  it('invalid primary key', () => {
    expect(() => new LedgerStrategy(['year', 'city', 'foo'], { fields: FIELDS, vocab: DEFAULT_VOCAB })).toThrow(
      new MergeError('primary key column "foo" is not in the read schema (columns: year, city, population)'),
    );
  });
});

describe('Ledger', () => {
  const strategy = new LedgerStrategy(['year', 'city'], CTX);

  it('keeps duplicates inside one batch (only history deduplicates)', () => {
    expect(mergeAfter(strategy, HISTORY, [input(2021, 'lviv', 1), input(2021, 'lviv', 1)])).toEqual([
      out(A, 2021, 'lviv', 1),
      out(A, 2021, 'lviv', 1),
    ]);
  });

  it('keeps a row whose key holds a null (SQL joins never match null), sorted first by event time', () => {
    const history = [...HISTORY];
    expect(mergeAfter(strategy, history, [input(2020, 'kyiv', 3), input(null, 'kyiv', 3)])).toEqual([
      out(A, null, 'kyiv', 3),
    ]);
  });

  it('asks the state only for the batch keys it can match', () => {
    const need = strategy.stateNeed([input(2020, 'a', 1), input(2020, 'a', 2), input(null, 'b', 3)]);
    expect(need).toEqual({ kind: 'keys', keys: [expect.any(String)] });
    expect(strategy.stateNeed([])).toEqual({ kind: 'none' });
  });
});

describe('Ledger with the engine\'s BatchKeys', () => {
  const strategy = new LedgerStrategy(['year', 'city'], CTX);

  it('merges as without, and keys each output row by its own cells (a null key cell is not carried over)', () => {
    const state = new MemoryState();
    state.commit(strategy, HISTORY);
    const batch = [input(2021, 'oslo', 5), input(2020, 'seattle', 2), input(null, 'lima', 6), input(2021, 'oslo', 7)];
    const keys = new BatchKeys(strategy.primaryKey);
    const merged = strategy.merge(state.prior(strategy.stateNeed(batch, keys)), batch, keys);
    expect(merged).toEqual(state.merge(strategy, batch));
    // The engine fills null event times after the merge: the filled row's key is its new one.
    for (const row of merged) row.year ??= 2030;
    expect(merged.map((row) => keys.state(row))).toEqual(merged.map((row) => stateKeyOf(strategy.primaryKey, row)));
  });
});
