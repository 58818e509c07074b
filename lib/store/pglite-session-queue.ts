import type { PGlite } from '@electric-sql/pglite';

interface Pending {
  handlerId: number;
  /** A client's message, or (absent) the reset of a departed client's session state. */
  message?: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
}

/** ReadyForQuery ('Z', length 5) with transaction status idle ('I'): the session is free again. */
const READY_IDLE = [0x5a, 0, 0, 0, 5, 0x49];

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`);
  const head = Buffer.alloc(5);
  head.write('Q', 0);
  head.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([head, text]);
}
const ROLLBACK = simpleQuery('ROLLBACK');
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * The order in which pglite-socket's connections reach PGlite's single Postgres session. Its own
 * queue (0.2.17) interleaves connections message by message, so one connection's Parse could
 * replace another's unnamed statement between that one's Parse and Bind ("bind message supplies 3
 * parameters, but prepared statement "" requires 2", seen under the console's concurrent
 * requests). Here a connection holds the session from its first message until Postgres reports
 * ReadyForQuery with the session idle — the end of its query or of its transaction — and other
 * connections' messages wait their turn, as they would for a real backend of their own.
 */
export class PGliteSessionQueue {
  private queue: Pending[] = [];
  private owner: number | null = null;
  private running = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.run();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((p) => p.handlerId !== handlerId || (p.reject(new Error('connection closed')), false));
  }

  /**
   * A connection went away holding the session: once its message in flight (if any) is done, undo
   * what it left open — an extended query without its Sync (an implicit transaction), a transaction,
   * or a failed one skipping messages until a Sync — and free the session.
   */
  clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.unshift({ handlerId, onData: () => {}, resolve: () => resolve(), reject });
      void this.run();
    });
  }

  private async reset(): Promise<void> {
    await this.db.runExclusive(async () => {
      await this.db.execProtocolRaw(ROLLBACK);
      await this.db.execProtocolRaw(SYNC);
      if (this.db.isInTransaction()) await this.db.execProtocolRaw(ROLLBACK);
    });
    this.owner = null;
  }

  private next(): Pending | undefined {
    const at = this.owner === null ? 0 : this.queue.findIndex((p) => p.handlerId === this.owner);
    return at < 0 ? undefined : this.queue.splice(at, 1)[0];
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let item = this.next(); item; item = this.next()) {
        if (!item.message) {
          await this.reset().then(() => item!.resolve(0), item.reject);
          continue;
        }
        this.owner = item.handlerId;
        let tail: number[] = [];
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item!.message!, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                tail = [...tail, ...data.subarray(Math.max(0, data.length - READY_IDLE.length))].slice(-READY_IDLE.length);
                item!.onData(data);
              },
            }),
          );
        } catch (err) {
          item.reject(err);
          continue;
        }
        if (tail.length === READY_IDLE.length && tail.every((b, i) => b === READY_IDLE[i])) this.owner = null;
        item.resolve(bytes);
      }
    } finally {
      this.running = false;
    }
  }
}
