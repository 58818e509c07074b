import { describe, expect, it } from 'vitest';
import { Op } from '../../../lib/data/row';
import { ChangelogStreamStrategy } from '../../../lib/ingest/merge/changelog-stream';
import { MergeError } from '../../../lib/ingest/merge/merge-strategy';
import { CTX, CTX_WITH_OP, mergeAfter, out } from './merge-fixtures';

const { Append: A, CorrectFrom: CF, CorrectTo: CT } = Op;

describe('ChangelogStream (ported from kamu test_merge_strategy_changelog_stream.rs)', () => {
  const strategy = new ChangelogStreamStrategy(['year', 'city'], CTX_WITH_OP);

  it('merge to empty', () => {
    expect(
      mergeAfter(strategy, [], [
        out(A, 2020, 'vancouver', 1),
        out(A, 2020, 'seattle', 2),
        out(A, 2020, 'kyiv', 3),
        out(CF, 2020, 'vancouver', 1),
        out(CT, 2020, 'vancouver', 2),
      ]),
    ).toEqual([
      out(A, 2020, 'kyiv', 3),
      out(A, 2020, 'seattle', 2),
      out(A, 2020, 'vancouver', 1),
      out(CF, 2020, 'vancouver', 1),
      out(CT, 2020, 'vancouver', 2),
    ]);
  });

  it('unseen', () => {
    const ledger = [out(A, 2020, 'vancouver', 1), out(A, 2020, 'seattle', 2), out(A, 2020, 'kyiv', 3)];
    expect(
      mergeAfter(strategy, ledger, [out(A, 2020, 'odessa', 4), out(CF, 2020, 'vancouver', 1), out(CT, 2020, 'vancouver', 2)]),
    ).toEqual([out(A, 2020, 'odessa', 4), out(CF, 2020, 'vancouver', 1), out(CT, 2020, 'vancouver', 2)]);
  });
});

describe('ChangelogStream', () => {
  it('requires an op column in the read schema', () => {
    expect(() => new ChangelogStreamStrategy(['city'], CTX)).toThrow(
      new MergeError('ChangelogStream needs an operation type column "op" in the read schema (columns: year, city, population)'),
    );
  });

  it('rejects op values outside 0..3', () => {
    const strategy = new ChangelogStreamStrategy(['city'], CTX_WITH_OP);
    expect(() => mergeAfter(strategy, [], [out(A, 2020, 'a', 1), { ...out(A, 2020, 'b', 1), op: 7 }])).toThrow(
      'row 2: "op" must be 0 (+A), 1 (-R), 2 (-C) or 3 (+C), got 7',
    );
    expect(() => mergeAfter(strategy, [], [{ ...out(A, 2020, 'b', 1), op: null }])).toThrow(MergeError);
  });

  it('accepts an op column of another integer type and emits numeric codes', () => {
    const strategy = new ChangelogStreamStrategy(['city'], {
      ...CTX,
      fields: [{ name: 'op', type: { kind: 'Option', inner: { kind: 'Int64' } } }, ...CTX.fields],
    });
    expect(mergeAfter(strategy, [], [{ ...out(A, 2020, 'a', 1), op: 0n }])).toEqual([out(A, 2020, 'a', 1)]);
  });
});
