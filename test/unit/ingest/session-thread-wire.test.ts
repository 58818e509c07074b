import { describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../../lib/ingest/fetch/mqtt-session';
import { batchBytes, decodeAck, deliverSessionEvents, encodeAck, SessionEventBatcher, UnconsumedEvents } from '../../../lib/ingest/fetch/session-thread-wire';
import { readAheadPlan } from '../../../lib/ingest/read/read-ahead';

function received(batcher: SessionEventBatcher) {
  const events: (ReceivedMessage | { pubrel: number })[] = [];
  const count = deliverSessionEvents(batcher.take(), { onMessage: (m) => events.push(m), onPubrel: (id) => events.push({ pubrel: id }) });
  return { count, events };
}

describe('session thread wire: what the broker sent crosses threads as it was sent', () => {
  it('keeps order, topics, payload bytes, QoS, retain, dup, packet ids (none for QoS 0) and receive times, pubrels in between', () => {
    const b = new SessionEventBatcher();
    b.addMessage({ topic: 'a/1', payload: Buffer.from('{"x":1}'), qos: 1, retain: false, dup: true, messageId: 7 }, 1000);
    b.addPubrel(65_535, 1001);
    b.addMessage({ topic: 'b/ü', payload: Buffer.from([0, 255, 10]), qos: 0, retain: true, dup: false, messageId: undefined }, 1002);
    b.addMessage({ topic: 'a/1', payload: Buffer.alloc(0), qos: 2, retain: false, dup: false, messageId: 0 }, 1003);
    const { count, events } = received(b);
    expect(count).toBe(4);
    expect(events).toEqual([
      { topic: 'a/1', payload: Buffer.from('{"x":1}'), qos: 1, retain: false, dup: true, messageId: 7, receivedAt: new Date(1000) },
      { pubrel: 65_535 },
      { topic: 'b/ü', payload: Buffer.from([0, 255, 10]), qos: 0, retain: true, dup: false, messageId: undefined, receivedAt: new Date(1002) },
      { topic: 'a/1', payload: Buffer.alloc(0), qos: 2, retain: false, dup: false, messageId: 0, receivedAt: new Date(1003) },
    ]);
  });

  it('packs payloads from pooled Buffers into a buffer of their own (transferring a pooled one would take the pool along)', () => {
    const b = new SessionEventBatcher();
    const pooled = Buffer.from('small'); // allocated from Node's shared pool
    b.addMessage({ topic: 't', payload: pooled, qos: 1, retain: false, dup: false, messageId: 1 }, 0);
    const batch = b.take();
    expect(batch.payloads).not.toBe(pooled.buffer);
    expect(batch.payloads.byteLength).toBe(5);
  });

  it('starts empty again after each take', () => {
    const b = new SessionEventBatcher();
    b.addMessage({ topic: 't', payload: Buffer.from('1'), qos: 1, retain: false, dup: false, messageId: 1 }, 0);
    b.take();
    expect(b.size).toBe(0);
    b.addPubrel(3, 0);
    expect(received(b)).toEqual({ count: 1, events: [{ pubrel: 3 }] });
  });

  it('counts what was read ahead from a batch in its bytes for flow control, not only its payloads', () => {
    const fields = Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, type: { kind: 'Option' as const, inner: { kind: 'Float64' as const } } }));
    const b = new SessionEventBatcher(readAheadPlan({ kind: 'NdJson' }, { fields }, 1 << 20));
    b.addMessage({ topic: 't', payload: Buffer.from('{}'), qos: 1, retain: false, dup: false, messageId: 1 }, 0);
    const batch = b.take();
    // One record of 200 (null) cells from a 2-byte payload.
    expect(batchBytes(batch)).toBeGreaterThan(200 * 8);
    expect(batch.payloads.byteLength).toBe(2);
  });

  it('encodes each acknowledgement kind with any 16-bit packet id', () => {
    for (const kind of ['puback', 'pubrec', 'pubcomp'] as const) {
      for (const messageId of [0, 1, 65_535]) expect(decodeAck(encodeAck(kind, messageId))).toEqual({ kind, messageId });
    }
  });
});

describe('session thread flow control: what the pulling thread has not taken in is bounded', () => {
  it('stops reading at 20,000 unconsumed events and reads again once at most half are left', () => {
    const u = new UnconsumedEvents();
    expect(u.posted(19_999, 1000)).toBe(false);
    expect(u.posted(1, 10)).toBe(true);
    expect(u.consumed(9_999, 0)).toBe(false);
    expect(u.consumed(1, 0)).toBe(true);
  });

  it('stops reading at 64 MiB of unconsumed payloads however few the messages (QoS 0 has no window)', () => {
    const u = new UnconsumedEvents();
    expect(u.posted(3, 48 * 1024 * 1024)).toBe(false);
    expect(u.posted(1, 16 * 1024 * 1024)).toBe(true);
    expect(u.consumed(1, 16 * 1024 * 1024)).toBe(false);
    expect(u.consumed(1, 16 * 1024 * 1024)).toBe(true);
  });

  it('reports come often enough that what is never reported cannot keep the thread stopped', () => {
    expect(UnconsumedEvents.REPORT_EVENTS).toBeLessThan(UnconsumedEvents.MAX_EVENTS / 2);
    expect(UnconsumedEvents.REPORT_BYTES).toBeLessThan(UnconsumedEvents.MAX_BYTES / 2);
  });
});
