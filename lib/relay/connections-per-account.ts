/**
 * Counts open relay connections per account (each holds a connection to a broker), so one account
 * cannot open an unbounded number of them. Counts are per process.
 */
export class ConnectionsPerAccount {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot: a release function (idempotent), or undefined when the account is at its limit. */
  tryAcquire(accountId: string): (() => void) | undefined {
    const n = this.open.get(accountId) ?? 0;
    if (n >= this.max) return undefined;
    this.open.set(accountId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(accountId) ?? 1) - 1;
      if (left > 0) this.open.set(accountId, left);
      else this.open.delete(accountId);
    };
  }
}
