/**
 * ATTACK (branch `attack`): asserts the SECURE behaviour, so it FAILS on the code as it is.
 * InboxWriter bounds a group commit by message COUNT only (maxBatch 5000); with max-size device
 * payloads (256 KiB by default) one batch is over a GiB, which DeviceRepository.appendInbox sends as
 * one bytea[] parameter: pg cannot even serialise it (attack/pg-batch-too-big.mjs: RangeError for
 * 1100 × 256 KiB after ~10 s of blocked event loop), and the failure rejects every device's message
 * in the batch, whatever its workspace.
 */
import { describe, expect, it } from 'vitest';
import { InboxWriter } from '../../../lib/device-endpoint/inbox-writer';
import type { InboxBatch } from '../../../lib/device-endpoint/ports';

describe('[ATTACK] InboxWriter group commit size', () => {
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
    const part = (): InboxBatch => ({ messages: [{ workspaceId: 'w', datasetId: 'd', credentialId: 'c', topic: 't/x', payload, qos: 0, receivedAt: new Date() }], receipts: [], releases: [] });
    const done = [writer.write(part())];
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 2000; i++) done.push(writer.write(part()));
    release();
    await Promise.all(done);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024 * 1024);
  });
});
