import { describe, expect, it } from 'vitest';
import { PendingPubrels } from '../../../lib/ingest/pending-pubrels';

describe('PendingPubrels: what a broker\'s PUBRELs can make a pull hold', () => {
  it('answers a PUBREL without a receipt at once and keeps one with a receipt for the commit, each id once', () => {
    const p = new PendingPubrels();
    const completed: number[] = [];
    const complete = (id: number) => completed.push(id);
    const receipts = new Set([7, 8]);
    expect(p.add(9, receipts, complete)).toBe(false);
    expect(p.add(7, receipts, complete)).toBe(true);
    expect(p.add(7, receipts, complete)).toBe(false);
    expect(p.add(8, receipts, complete)).toBe(true);
    expect(completed).toEqual([9]);
    expect(p.take()).toEqual([7, 8]);
    expect(p.size).toBe(0);
  });

  it('holds any id while no session can answer, then answers those without a receipt once one can', () => {
    const p = new PendingPubrels();
    const receipts = new Set([2]);
    for (let i = 0; i < 200_000; i++) p.add((i % 3) + 1, receipts);
    expect(p.size).toBe(3);
    const completed: number[] = [];
    p.completeUnknown(receipts, (id) => completed.push(id));
    expect(completed).toEqual([1, 3]);
    expect(p.take()).toEqual([2]);
  });
});
