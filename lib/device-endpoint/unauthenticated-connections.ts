import { clientKey } from './client-key';

/**
 * Open connections per client address (an IPv6 client per /64, see clientKey) that have not
 * authenticated yet: each may hold a partial CONNECT for the connect timeout before any credential is checked, so an address gets at most
 * `perAddress` of them at once.
 */
export class UnauthenticatedConnections {
  private readonly open = new Map<string, number>();

  constructor(private readonly perAddress: number) {}

  /** Admits one more connection of the address; false when it is at its limit. */
  enter(clientAddress: string): boolean {
    const address = clientKey(clientAddress);
    const n = this.open.get(address) ?? 0;
    if (n >= this.perAddress) return false;
    this.open.set(address, n + 1);
    return true;
  }

  /** The connection authenticated or closed. */
  leave(clientAddress: string): void {
    const address = clientKey(clientAddress);
    const n = (this.open.get(address) ?? 1) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }
}
