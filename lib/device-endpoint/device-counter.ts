import type { DeviceCounts } from './ports';

/** Messages and refusals per credential since the last flush (the endpoint flushes every few seconds). */
export class DeviceCounter {
  private counts = new Map<string, DeviceCounts>();

  message(credentialId: string): void {
    this.entry(credentialId).messages++;
  }

  refusal(credentialId: string, reason: string): void {
    const e = this.entry(credentialId);
    e.refusals++;
    e.lastRefusal = reason.slice(0, 300);
  }

  /** The counts so far, and a fresh start. */
  take(): Map<string, DeviceCounts> {
    const taken = this.counts;
    this.counts = new Map();
    return taken;
  }

  private entry(id: string): DeviceCounts {
    let e = this.counts.get(id);
    if (!e) this.counts.set(id, (e = { messages: 0, refusals: 0 }));
    return e;
  }
}
