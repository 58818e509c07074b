import { describe, expect, it } from 'vitest';
import { Op } from '../../../lib/data/row';
import { UpsertStreamStrategy } from '../../../lib/ingest/merge/upsert-stream';
import { CTX, CTX_WITH_OP, input, mergeAfter, out } from './merge-fixtures';

const { Append: A, Retract: R, CorrectFrom: CF, CorrectTo: CT } = Op;
const HISTORY = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)];

describe('UpsertStream (ported from kamu test_merge_strategy_upsert_stream.rs)', () => {
  const strategy = new UpsertStreamStrategy(['year', 'city'], CTX_WITH_OP);

  it('merge to empty as is', () => {
    expect(
      mergeAfter(strategy, [], [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)]),
    ).toEqual([out(A, 2020, 'kyiv', 3), out(A, 2020, 'seattle', 2), out(A, 2020, 'vancouver', 1)]);
  });

  it('merge to empty with in-batch upserts', () => {
    expect(
      mergeAfter(strategy, [], [
        out(A, 2020, 'vancouver', 1),
        out(A, 2020, 'vancouver', 2),
        out(CT, 2020, 'vancouver', 3),
        out(A, 2020, 'seattle', 2),
        out(A, 2020, 'kyiv', 3),
        out(R, 2020, 'seattle', 2),
      ]),
    ).toEqual([out(A, 2020, 'kyiv', 3), out(A, 2020, 'vancouver', 3)]);
  });

  it('unseen', () => {
    expect(mergeAfter(strategy, HISTORY, [out(A, 2020, 'odessa', 4)])).toEqual([out(A, 2020, 'odessa', 4)]);
  });

  it('no-op upsert, ordered', () => {
    expect(mergeAfter(strategy, HISTORY, [out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)])).toEqual([]);
  });

  it('no-op upsert, unordered', () => {
    expect(mergeAfter(strategy, HISTORY, [out(A, 2020, 'kyiv', 3), out(A, 2020, 'seattle', 2)])).toEqual([]);
  });

  it('update in a separate batch', () => {
    expect(mergeAfter(strategy, HISTORY, [out(A, 2020, 'vancouver', 2), out(CT, 2020, 'kyiv', 4)])).toEqual([
      out(CF, 2020, 'kyiv', 3),
      out(CT, 2020, 'kyiv', 4),
      out(CF, 2020, 'vancouver', 1),
      out(CT, 2020, 'vancouver', 2),
    ]);
  });

  it('update in the same batch', () => {
    expect(mergeAfter(strategy, HISTORY, [out(A, 2020, 'vancouver', 2), out(A, 2020, 'vancouver', 3)])).toEqual([
      out(CF, 2020, 'vancouver', 1),
      out(CT, 2020, 'vancouver', 3),
    ]);
  });

  it('delete in a separate batch', () => {
    expect(mergeAfter(strategy, HISTORY, [out(R, 2020, 'seattle', 0)])).toEqual([out(R, 2020, 'seattle', 2)]);
  });

  it('delete in the same batch', () => {
    expect(mergeAfter(strategy, HISTORY, [out(CT, 2020, 'seattle', 3), out(R, 2020, 'seattle', 0)])).toEqual([
      out(R, 2020, 'seattle', 2),
    ]);
  });
});

describe('UpsertStream', () => {
  it('treats every row as an upsert without an op column', () => {
    const strategy = new UpsertStreamStrategy(['city'], CTX);
    expect(mergeAfter(strategy, HISTORY, [input(2021, 'kyiv', 5), input(2021, 'lviv', 6)])).toEqual([
      out(CF, 2020, 'kyiv', 3),
      out(CT, 2021, 'kyiv', 5),
      out(A, 2021, 'lviv', 6),
    ]);
  });

  it('drops a delete of an unknown key and a row whose op is null', () => {
    const strategy = new UpsertStreamStrategy(['city'], {
      ...CTX,
      fields: [{ name: 'op', type: { kind: 'Option', inner: { kind: 'Int32' } } }, ...CTX.fields],
    });
    expect(mergeAfter(strategy, HISTORY, [out(R, 2020, 'odessa', 0), { ...out(A, 2020, 'kyiv', 9), op: null }])).toEqual(
      [],
    );
  });

  it('does not count a null event time as a change, but emits it on +C', () => {
    const strategy = new UpsertStreamStrategy(['city'], CTX);
    expect(mergeAfter(strategy, HISTORY, [input(null, 'kyiv', 3), input(null, 'seattle', 4)])).toEqual([
      out(CF, 2020, 'seattle', 2),
      out(CT, null, 'seattle', 4),
    ]);
  });

  it('asks the state for the collapsed batch keys only', () => {
    const strategy = new UpsertStreamStrategy(['city'], CTX);
    const need = strategy.stateNeed([input(null, 'a', 1), input(null, 'a', 2), input(null, 'b', 1)]);
    expect(need.kind === 'keys' && need.keys.length).toBe(2);
  });
});
