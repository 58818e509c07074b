/**
 * History of the live preview: a ring capped by message count and by payload bytes (whichever
 * fills first), so an hour on a busy `#` keeps memory flat. Oldest messages are evicted first.
 */
export class MessageRing<T extends { size: number }> {
  private items: (T | undefined)[];
  private head = 0; // index of the oldest item
  private count = 0;
  private bytes = 0;

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {
    this.items = new Array(maxCount);
  }

  get length(): number {
    return this.count;
  }

  get byteSize(): number {
    return this.bytes;
  }

  push(item: T): void {
    if (this.count === this.maxCount) this.evictOldest();
    this.items[(this.head + this.count) % this.maxCount] = item;
    this.count++;
    this.bytes += item.size;
    while (this.bytes > this.maxBytes && this.count > 1) this.evictOldest();
  }

  /** The i-th oldest item (0 = oldest). */
  at(i: number): T | undefined {
    return i >= 0 && i < this.count ? this.items[(this.head + i) % this.maxCount] : undefined;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i)!);
    return out;
  }

  clear(): void {
    this.items = new Array(this.maxCount);
    this.head = 0;
    this.count = 0;
    this.bytes = 0;
  }

  private evictOldest(): void {
    const old = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.maxCount;
    this.count--;
    this.bytes -= old.size;
  }
}
