import type { ReceivedMessage } from './fetch/mqtt-session';
import { PACKED_BYTES_PER_CELL } from './read/read-ahead';

/**
 * The most a batch holds, in the bytes messageBytes counts: a batch is read into rows at once, and
 * rows weigh many times their payload (~43 bytes a cell; a payload may hold 4 cells a byte), so
 * 2,500 messages of 1 MiB made one batch of gigabytes. Batches of ordinary messages (hundreds of
 * bytes) reach their count long before this.
 */
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;

/** What a received message holds in memory: its payload, its topic (up to 64 KiB) and what was read ahead from it. */
export function messageBytes(m: ReceivedMessage): number {
  return m.payload.length + m.topic.length + (m.readAhead ? m.readAhead.results.cellsOf(m.readAhead.index) * PACKED_BYTES_PER_CELL : 0);
}

/** Received messages waiting to be prepared, in arrival order, with the bytes they hold. */
export class MessageQueue {
  private items: ReceivedMessage[] = [];
  /** messageBytes of each of `items`, counted once when it came. */
  private sizes: number[] = [];
  bytes = 0;

  get length(): number {
    return this.items.length;
  }

  get first(): ReceivedMessage | undefined {
    return this.items[0];
  }

  /** Adds a message; returns the bytes it holds (messageBytes). */
  push(m: ReceivedMessage): number {
    const bytes = messageBytes(m);
    this.items.push(m);
    this.sizes.push(bytes);
    this.bytes += bytes;
    return bytes;
  }

  /** Whether a batch of `count` messages is waiting, or MAX_BATCH_BYTES of them. */
  holdsBatch(count: number): boolean {
    return this.items.length >= count || this.bytes >= MAX_BATCH_BYTES;
  }

  /** The next batch: up to `count` messages, fewer once they hold MAX_BATCH_BYTES (never none while any wait). */
  takeBatch(count: number): ReceivedMessage[] {
    let n = 0;
    let bytes = 0;
    while (n < this.items.length && n < count && (n === 0 || bytes < MAX_BATCH_BYTES)) bytes += this.sizes[n++];
    this.bytes -= bytes;
    this.sizes.splice(0, n);
    return this.items.splice(0, n);
  }

  /** Every waiting message (a Snapshot's whole pull, a stopping follow run's last slice). */
  takeAll(): ReceivedMessage[] {
    this.bytes = 0;
    this.sizes = [];
    return this.items.splice(0);
  }

  clear(): void {
    this.items = [];
    this.sizes = [];
    this.bytes = 0;
  }
}
