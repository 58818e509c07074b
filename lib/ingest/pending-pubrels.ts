/**
 * A pull's PUBRELs not yet committed, each packet id once. QoS 2: a PUBREL ends the broker's use
 * of a packet id; the commit removes the id's receipt, then its PUBCOMP goes.
 *
 * A PUBREL for an id without a receipt has nothing to commit and is completed at once (MQTT: a
 * PUBREL is always answered): one whose PUBCOMP went already (a broker repeats its releases after
 * a reconnection), or one the broker never sent a message for (a broken or hostile broker). So
 * what a broker can make a pull hold is bounded by the pull's receipts, at most 65,535 ids, however
 * many PUBRELs it sends: a flood of them grew a pull's memory by gigabytes in seconds, and kept it
 * from ever seeing the broker quiet.
 */
export class PendingPubrels {
  private readonly ids = new Set<number>();

  /**
   * Takes a PUBREL. Returns true when it is new work for the next commit; false when `complete`
   * answered it at once (no receipt) or the id was pending already. Without `complete` (no session
   * yet to answer on) every new id waits, for completeUnknown or the commit.
   */
  add(id: number, receipts: { has(id: number): boolean }, complete?: (id: number) => void): boolean {
    if (complete && !receipts.has(id)) {
      complete(id);
      return false;
    }
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    return true;
  }

  /** Once a session can answer: completes the pending ids without a receipt (taken before it could). */
  completeUnknown(receipts: { has(id: number): boolean }, complete: (id: number) => void): void {
    for (const id of this.ids) {
      if (receipts.has(id)) continue;
      this.ids.delete(id);
      complete(id);
    }
  }

  get size(): number {
    return this.ids.size;
  }

  /** The pending ids in arrival order; none are pending afterwards. */
  take(): number[] {
    const ids = [...this.ids];
    this.ids.clear();
    return ids;
  }
}
