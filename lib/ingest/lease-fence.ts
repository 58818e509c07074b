import { isSluiceError, SluiceError } from '../errors';
import type { PullLease } from './ports';

/**
 * Throws PULL_ALREADY_RUNNING once `lease` no longer holds (PullLease.held): another process may
 * act for the dataset now, so a run stops before it connects its broker session again or answers
 * its broker without a commit.
 */
export function assertLeaseHeld(lease: PullLease): void {
  if (lease.held()) return;
  const reason: unknown = lease.lost.reason;
  throw isSluiceError(reason) ? reason : new SluiceError('PULL_ALREADY_RUNNING', 'this run lost its pull lease (another process may hold it now)');
}
