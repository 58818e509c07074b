import { describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../../lib/ingest/fetch/mqtt-session';
import { MAX_BATCH_BYTES, MessageQueue } from '../../../lib/ingest/message-queue';

const message = (bytes: number, i: number): ReceivedMessage => ({ topic: 't', payload: Buffer.alloc(bytes, i), qos: 1, retain: false, dup: false, messageId: i + 1, receivedAt: new Date() });

describe('MessageQueue: what waits to be prepared, in batches bounded by count and bytes', () => {
  it('takes a batch of the count asked while messages are small', () => {
    const q = new MessageQueue();
    for (let i = 0; i < 10; i++) q.push(message(100, i));
    expect(q.holdsBatch(10)).toBe(true);
    expect(q.takeBatch(4).map((m) => m.messageId)).toEqual([1, 2, 3, 4]);
    expect(q.length).toBe(6);
    expect(q.bytes).toBe(6 * 101);
  });

  it('ends a batch once it holds MAX_BATCH_BYTES, however few its messages (2,500 messages of 1 MiB were one batch of gigabytes of rows)', () => {
    const q = new MessageQueue();
    for (let i = 0; i < 6; i++) q.push(message(1024 * 1024, i));
    expect(q.holdsBatch(2500)).toBe(true);
    const batch = q.takeBatch(2500);
    expect(batch.length).toBe(Math.ceil(MAX_BATCH_BYTES / (1024 * 1024 + 1)));
    expect(q.length).toBe(6 - batch.length);
  });

  it('takes one message larger than a batch on its own, and everything with takeAll', () => {
    const q = new MessageQueue();
    q.push(message(3 * 1024 * 1024, 0));
    q.push(message(10, 1));
    expect(q.takeBatch(2500).map((m) => m.messageId)).toEqual([1]);
    q.push(message(10, 2));
    expect(q.takeAll().map((m) => m.messageId)).toEqual([2, 3]);
    expect(q.bytes).toBe(0);
  });
});
