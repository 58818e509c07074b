import { clientKey } from './client-key';

/** Failed authentications per address and window, unless configured (SLUICE_DEVICE_MAX_FAILED_AUTH / _WINDOW). */
export const DEFAULT_FAILED_AUTH = { max: 10, windowMs: 60_000 } as const;

/**
 * Failed device authentications per client address (an IPv6 client per /64, see clientKey): after
 * `maxFailures` within `windowMs` an address is refused without its secret being checked until the
 * window ends, so guessing secrets (and making the server hash them) is slow. An attempt counts as failed from the moment it is
 * admitted (before the asynchronous check), and is taken back when it succeeds: concurrent guesses
 * cannot all slip in before the first failure is counted. At most `maxConcurrent` checks per
 * address run at once. Memory stays bounded: expired entries are dropped as the table grows.
 */
export class FailedAuthLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly checking = new Map<string, number>();

  constructor(
    private readonly maxFailures: number = DEFAULT_FAILED_AUTH.max,
    private readonly windowMs: number = DEFAULT_FAILED_AUTH.windowMs,
    private readonly now: () => number = Date.now,
    private readonly maxConcurrent = 4,
  ) {}

  /**
   * Admits one authentication attempt of the address, or undefined when it is refused unchecked.
   * The caller must call `settle` once, with whether the credential checked out.
   */
  admit(clientAddress: string): { settle(succeeded: boolean): void } | undefined {
    const address = clientKey(clientAddress);
    const f = this.current(address);
    const running = this.checking.get(address) ?? 0;
    if ((f && f.count >= this.maxFailures) || running >= this.maxConcurrent) return undefined;
    this.checking.set(address, running + 1);
    const counted = this.count(address);
    let settled = false;
    return {
      settle: (succeeded) => {
        if (settled) return;
        settled = true;
        const left = (this.checking.get(address) ?? 1) - 1;
        if (left > 0) this.checking.set(address, left);
        else this.checking.delete(address);
        if (succeeded && this.failures.get(address) === counted) counted.count--;
      },
    };
  }

  private count(address: string): { count: number; since: number } {
    const f = this.current(address);
    if (f) {
      f.count++;
      return f;
    }
    if (this.failures.size >= 10_000) this.prune();
    const fresh = { count: 1, since: this.now() };
    this.failures.set(address, fresh);
    return fresh;
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
