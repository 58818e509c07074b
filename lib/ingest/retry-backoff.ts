/**
 * When a worker tries a dataset again after its work failed: `baseMs` (10 s) after the first
 * failure, doubled for each failure in a row up to `maxMs` (10 minutes); a success forgets them. A dataset that
 * cannot be worked on (credentials refused, a manifest an editor broke, staged rows its schema
 * refuses) would otherwise be tried, logged and recorded as a failed pull every round.
 */
export class RetryBackoff {
  private readonly failures = new Map<string, number>();
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly baseMs = 10_000,
    private readonly maxMs = 600_000,
  ) {}

  /** Whether `key` may be tried now. */
  due(key: string, now = Date.now()): boolean {
    return (this.retryAt.get(key) ?? -Infinity) <= now;
  }

  /** Records a failure of `key`; returns how long it now waits. */
  failed(key: string, now = Date.now()): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delayMs = Math.min(this.baseMs * 2 ** (n - 1), this.maxMs);
    this.retryAt.set(key, now + delayMs);
    return delayMs;
  }

  succeeded(key: string): void {
    this.failures.delete(key);
    this.retryAt.delete(key);
  }
}
