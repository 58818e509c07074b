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
