import type { MqttSession } from './fetch/mqtt-session';
import type { PullLease } from './ports';

/**
 * Returns once `lease` holds (PullLease.held), renewing it first when its fence passed without a
 * renewal; throws PULL_ALREADY_RUNNING when it was taken. A run calls this before it connects its
 * broker session or answers its broker without a commit, and between batches: while it waits here
 * it does neither, so another process that may hold the lease meanwhile is never contradicted.
 */
export async function ensureLeaseHeld(lease: PullLease): Promise<void> {
  if (!lease.held()) await lease.confirm();
}

/**
 * How a run answers a PUBREL it has no receipt for (PendingPubrels.add): at once on `session`
 * while the lease holds; otherwise not (undefined), so it waits for a commit, which checks the
 * lease — the receipts a run without the lease knows may be stale.
 */
export function completeWhileHeld(lease: PullLease, session: MqttSession | undefined): ((id: number) => void) | undefined {
  return session && lease.held() ? (id) => session.complete(id) : undefined;
}
