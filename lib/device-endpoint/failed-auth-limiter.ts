/**
 * Failed device authentications per client address: after `maxFailures` within `windowMs` an
 * address is refused without its secret being checked until the window ends, so guessing secrets
 * (and making the server hash them) is slow. Memory stays bounded: expired entries are dropped
 * as the table grows.
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(address: string): boolean {
    const f = this.current(address);
    return !!f && f.count >= this.maxFailures;
  }

  fail(address: string): void {
    const f = this.current(address);
    if (f) f.count++;
    else {
      if (this.failures.size >= 10_000) this.prune();
      this.failures.set(address, { count: 1, since: this.now() });
    }
  }

  private current(address: string): { count: number; since: number } | undefined {
    const f = this.failures.get(address);
    if (f && this.now() - f.since >= this.windowMs) {
      this.failures.delete(address);
      return undefined;
    }
    return f;
  }

  private prune(): void {
    const now = this.now();
    for (const [k, f] of this.failures) if (now - f.since >= this.windowMs) this.failures.delete(k);
  }
}
