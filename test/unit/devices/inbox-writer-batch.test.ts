/**
 * InboxWriter's group commit under hostile input: a batch stays small enough for pg to send (with
 * max-size payloads a count-only bound let one batch pass a GiB, which pg cannot even serialise),
 * and one part the store refuses fails only that part, not the other connections' parts in its batch.
 */
import { describe, expect, it } from 'vitest';
import { InboxWriter } from '../../../lib/device-endpoint/inbox-writer';
import type { InboxBatch } from '../../../lib/device-endpoint/ports';

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
