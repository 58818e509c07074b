/**
 * InboxWriter's group commit under hostile input: a batch stays small enough for pg to send (with
 * max-size payloads a count-only bound let one batch pass a GiB, which pg cannot even serialise),
 * and one part the store refuses fails only that part, not the other connections' parts in its batch.
 */
import { describe, expect, it } from 'vitest';
import { InboxWriter } from '../../../lib/device-endpoint/inbox-writer';
import type { InboxBatch, InboxOrder } from '../../../lib/device-endpoint/ports';

const part = (topic: string, payload = Buffer.alloc(1)): InboxBatch => ({
  messages: [{ workspaceId: 'w', datasetId: 'd', credentialId: 'c', topic, payload, qos: 0, receivedAt: new Date() }],
  receipts: [],
  releases: [],
});

describe('InboxWriter group commit', () => {
  it('fails only the part the store refuses, not the others of its batch', async () => {
    const batches: number[] = [];
    const writer = new InboxWriter({
      async appendInbox(batch: InboxBatch) {
        batches.push(batch.messages.length);
        if (batch.messages.some((m) => m.topic === 'bad')) throw new Error('refused');
      },
    });
    const results = await Promise.allSettled([writer.write(part('a')), writer.write(part('bad')), writer.write(part('b'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches[0]).toBe(3); // they did share one batch
  });


  it('never hands the store a batch of more than 64 MiB of payload', async () => {
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    const first = new Promise<void>((r) => (release = r));
    const writer = new InboxWriter({
      async appendInbox(batch: InboxBatch) {
        sizes.push(batch.messages.reduce((n, m) => n + m.payload.length, 0));
        if (sizes.length === 1) await first; // the first commit is slow; the rest queue meanwhile
      },
    });
    const payload = Buffer.alloc(256 * 1024); // one buffer shared by all messages: no real memory used
    const done = [writer.write(part('t/x', payload))];
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 2000; i++) done.push(writer.write(part('t/x', payload)));
    release();
    await Promise.all(done);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024 * 1024);
  });
});

describe('InboxWriter pipeline: two batches in flight, visible in arrival order', () => {
  /** A store that keeps the order contract like Postgres: write, then wait for the batch before, then commit or roll back. */
  function orderedStore(opts: { slowFirstCommit?: Promise<void>; refuse?: string } = {}) {
    const events: string[] = [];
    const committed: string[] = [];
    let calls = 0;
    return {
      events,
      committed,
      store: {
        async appendInbox(batch: InboxBatch, order?: InboxOrder) {
          const n = ++calls;
          const topics = batch.messages.map((m) => m.topic);
          events.push(`write ${n}`);
          order?.written();
          if (opts.refuse && topics.includes(opts.refuse)) throw new Error('refused');
          await order?.after; // rejects when the batch before failed: this one rolls back
          if (n === 1) await opts.slowFirstCommit;
          events.push(`commit ${n}`);
          committed.push(...topics);
        },
      },
    };
  }

  it("writes the next batch while one commits, and commits it only after that one", async () => {
    let release!: () => void;
    const { store, events } = orderedStore({ slowFirstCommit: new Promise<void>((r) => (release = r)) });
    const writer = new InboxWriter(store);
    const first = writer.write(part('a'));
    await new Promise((r) => setImmediate(r));
    const second = writer.write(part('b'));
    while (!events.includes('write 2')) await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['write 1', 'write 2']); // overlapped: batch 1 has not committed
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['write 1', 'write 2', 'commit 1', 'commit 2']);
  });

  it('when a batch fails, the one behind it rolls back and is written again after the failed parts were retried', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { store, committed } = orderedStore({ refuse: 'bad' });
    const slow = { async appendInbox(batch: InboxBatch, order?: InboxOrder) {
      if (batch.messages.some((m) => m.topic === 'bad')) await gate; // the failing batch is slow, so the next one is in flight behind it
      return store.appendInbox(batch, order);
    } };
    const writer = new InboxWriter(slow);
    const results = [writer.write(part('a')), writer.write(part('bad')), writer.write(part('b'))];
    await new Promise((r) => setImmediate(r));
    results.push(writer.write(part('c')), writer.write(part('d')));
    await new Promise((r) => setImmediate(r));
    release();
    const settled = await Promise.allSettled(results);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(committed).toEqual(['a', 'b', 'c', 'd']); // arrival order, nothing twice
  });
});
