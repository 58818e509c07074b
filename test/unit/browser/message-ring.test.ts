import { describe, expect, it } from 'vitest';
import { MessageRing } from '../../../lib/browser/mqtt-preview/message-ring';

const item = (id: number, size = 10) => ({ id, size });

describe('MessageRing', () => {
  it('keeps the newest messages when the count cap is reached, oldest first', () => {
    const ring = new MessageRing<{ id: number; size: number }>(3, 1_000);
    for (let i = 1; i <= 5; i++) ring.push(item(i));
    expect(ring.toArray().map((m) => m.id)).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
    expect(ring.byteSize).toBe(30);
  });

  it('evicts by bytes before the count cap, and tracks the bytes it holds', () => {
    const ring = new MessageRing<{ id: number; size: number }>(100, 25);
    ring.push(item(1));
    ring.push(item(2));
    ring.push(item(3)); // 30 bytes > 25: the oldest goes
    expect(ring.toArray().map((m) => m.id)).toEqual([2, 3]);
    expect(ring.byteSize).toBe(20);
  });

  it('keeps a single message larger than the byte cap rather than showing nothing', () => {
    const ring = new MessageRing<{ id: number; size: number }>(10, 5);
    ring.push(item(1, 50));
    expect(ring.toArray().map((m) => m.id)).toEqual([1]);
    ring.push(item(2, 1));
    expect(ring.toArray().map((m) => m.id)).toEqual([2]);
  });

  it('stays bounded over many wrap-arounds and clears', () => {
    const ring = new MessageRing<{ id: number; size: number }>(7, 1_000);
    for (let i = 0; i < 1_000; i++) ring.push(item(i, 1));
    expect(ring.toArray().map((m) => m.id)).toEqual([993, 994, 995, 996, 997, 998, 999]);
    expect(ring.at(0)?.id).toBe(993);
    expect(ring.at(7)).toBeUndefined();
    ring.clear();
    expect(ring.length).toBe(0);
    expect(ring.byteSize).toBe(0);
  });
});
