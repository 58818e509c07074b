import type { DeviceEndpointStore, InboxBatch } from './ports';

interface Pending {
  part: InboxBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A batch handed to the store and not yet settled: its parts, and its commit's outcome (the error, or undefined). */
interface Flight {
  taken: Pending[];
  outcome: Promise<unknown>;
}

/**
 * Two batches in flight: while one commits (its fsync), the next one's rows are written. Postgres
 * alone took 31,900 such inserts a second one transaction at a time and 64,200 two at once
 * (bench:devices, load 2).
 */
const PIPELINE_DEPTH = 2;

/**
 * Group commit of the device inbox: every connection's messages (and QoS 2 receipts and releases)
 * queue here, and each transaction writes all that queued meanwhile, up to `maxBatch` messages and
 * `maxBatchBytes` of payload, with one multi-row statement per table. Under load a commit takes
 * what arrived during the previous one, so throughput does not hang on one fsync per message; when
 * idle a message is committed on the next turn of the event loop.
 *
 * Contract: `write` resolves only once its part is durable (its transaction committed), and
 * rejects when its part cannot be stored — then nothing of the part was stored and the caller must
 * not acknowledge it. A failed batch is retried part by part, so one connection's bad part never
 * fails another's (parts of many workspaces share a batch).
 *
 * Order: two transactions overlap, but a batch starts writing only once the one before has
 * written (so inbox ids follow arrival order) and commits only after it (so ids become visible in
 * that order, which a fold keeps: a Snapshot merge takes each topic's latest message). When a batch
 * fails, the one behind it rolls back instead of committing; its parts go back to the head of the
 * queue and are written again after the failed batch's parts were retried one by one.
 */
export class InboxWriter {
  private queue: Pending[] = [];
  private running = false;
  /** Wakes a drain that waits for its oldest batch, so a part arriving meanwhile starts the next one. */
  private arrived: (() => void) | undefined;

  constructor(
    private readonly store: Pick<DeviceEndpointStore, 'appendInbox'>,
    private readonly maxBatch = 5000,
    /** Payload bytes per batch: pg sends a batch's payloads as one parameter, which must stay far below its and V8's limits. */
    private readonly maxBatchBytes = 16 * 1024 * 1024,
  ) {}

  write(part: InboxBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ part, resolve, reject });
      this.arrived?.();
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    const flights: Flight[] = [];
    let previous: Promise<void> = Promise.resolve();
    while (this.queue.length || flights.length) {
      if (this.queue.length && flights.length < PIPELINE_DEPTH) {
        const taken = this.takeBatch();
        let written!: () => void;
        const writing = new Promise<void>((resolve) => (written = resolve));
        const commit = this.store.appendInbox(mergedParts(taken), { after: previous, written });
        commit.then(written, written); // a store that never calls `written` (no overlap) still lets the next batch start
        flights.push({ taken, outcome: commit.then(() => undefined, (err: unknown) => err ?? new Error('the inbox batch failed')) });
        previous = commit;
        await writing;
        continue;
      }
      if (!this.queue.length && flights.length < PIPELINE_DEPTH) {
        // Room for another batch: start it as soon as a part arrives, unless the oldest settles first.
        const arrival = new Promise<boolean>((resolve) => (this.arrived = () => resolve(true)));
        const arrivedFirst = await Promise.race([arrival, flights[0].outcome.then(() => false)]);
        this.arrived = undefined;
        if (arrivedFirst) continue;
      }
      const flight = flights.shift()!;
      const failure = await flight.outcome;
      if (failure === undefined) {
        for (const t of flight.taken) t.resolve();
        continue;
      }
      // Every batch behind it rolled back (its `after` failed): requeue their parts, in order, ahead of what came since.
      const behind = flights.splice(0);
      await Promise.all(behind.map((f) => f.outcome));
      this.queue.unshift(...behind.flatMap((f) => f.taken));
      previous = Promise.resolve();
      if (flight.taken.length === 1) flight.taken[0].reject(failure);
      else await this.oneByOne(flight.taken);
    }
    this.running = false;
  }

  /** The next batch: queued parts in order, within the message and byte bounds (at least one part). */
  private takeBatch(): Pending[] {
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
    return this.queue.splice(0, n);
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

function mergedParts(taken: Pending[]): InboxBatch {
  const batch: InboxBatch = { messages: [], receipts: [], releases: [] };
  for (const { part } of taken) {
    for (const m of part.messages) batch.messages.push(m);
    for (const r of part.receipts) batch.receipts.push(r);
    for (const r of part.releases) batch.releases.push(r);
  }
  return batch;
}
