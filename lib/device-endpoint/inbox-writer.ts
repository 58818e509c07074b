import type { DeviceEndpointStore, InboxBatch } from './ports';

interface Pending {
  part: InboxBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit of the device inbox: every connection's messages (and QoS 2 receipts and releases)
 * queue here, and one transaction at a time writes all that queued meanwhile, up to `maxBatch`
 * messages and `maxBatchBytes` of payload, with one multi-row statement per table. Under load a
 * commit takes what arrived during the previous one, so throughput does not hang on one fsync per
 * message; when idle a message is committed on the next turn of the event loop.
 *
 * Contract: `write` resolves only once its part is durable (its transaction committed), and
 * rejects when its part cannot be stored — then nothing of the part was stored and the caller must
 * not acknowledge it. A failed batch is retried part by part, so one connection's bad part never
 * fails another's (parts of many workspaces share a batch). Parts commit in the order written, one transaction at a time: inbox ids then
 * follow arrival order, which a fold keeps (a Snapshot merge takes each topic's latest message).
 * Concurrent transactions were tried: on a loaded 2-core machine they did not raise throughput
 * measurably (bench:devices), and they would interleave ids.
 */
export class InboxWriter {
  private queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly store: Pick<DeviceEndpointStore, 'appendInbox'>,
    private readonly maxBatch = 5000,
    /** Payload bytes per batch: pg sends a batch's payloads as one parameter, which must stay far below its and V8's limits. */
    private readonly maxBatchBytes = 16 * 1024 * 1024,
  ) {}

  write(part: InboxBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ part, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      let n = 0;
      let count = 0;
      let bytes = 0;
      while (n < this.queue.length) {
        const { messages } = this.queue[n].part;
        const partBytes = messages.reduce((sum, m) => sum + m.payload.length, 0);
        if (n > 0 && (count + messages.length > this.maxBatch || bytes + partBytes > this.maxBatchBytes)) break;
        count += messages.length;
        bytes += partBytes;
        n++;
      }
      const taken = this.queue.splice(0, n);
      const batch: InboxBatch = { messages: [], receipts: [], releases: [] };
      for (const { part } of taken) {
        for (const m of part.messages) batch.messages.push(m);
        for (const r of part.receipts) batch.receipts.push(r);
        for (const r of part.releases) batch.releases.push(r);
      }
      try {
        await this.store.appendInbox(batch);
        for (const t of taken) t.resolve();
      } catch (err) {
        if (taken.length === 1) taken[0].reject(err);
        else await this.oneByOne(taken);
      }
    }
    this.running = false;
  }

  /** After a failed batch: each part in a transaction of its own, so only a bad part fails, not its neighbours. */
  private async oneByOne(parts: Pending[]): Promise<void> {
    for (const t of parts) {
      try {
        await this.store.appendInbox(t.part);
        t.resolve();
      } catch (err) {
        t.reject(err);
      }
    }
  }
}
