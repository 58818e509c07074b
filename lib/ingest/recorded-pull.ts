import { randomUUID } from 'node:crypto';
import { SluiceError } from '../errors';
import type { IngestStore, PullCounters } from './ports';

/** What a pull (or a fold of a push dataset's inbox) reports when it ends. */
export interface PullResult extends PullCounters {
  pullId: string;
  /** `updated` when at least one block was committed, else `up_to_date` (Kamu's outcomes). */
  status: 'updated' | 'up_to_date';
  /** The record cap was reached: more messages are probably waiting at the broker. */
  hasMore: boolean;
  oldHead: string;
  newHead: string;
}

/**
 * Runs one ingest of a dataset under its pull lease (one at a time per dataset, across processes)
 * and records it as a pull: started, then finished with its outcome or its error.
 */
export async function recordedPull(store: IngestStore, datasetId: string, run: (pullId: string) => Promise<PullResult>): Promise<PullResult> {
  const pullId = randomUUID();
  const lease = await store.acquirePullLease(datasetId, pullId);
  try {
    await store.startPull(datasetId, pullId);
    try {
      const result = await run(pullId);
      await store.finishPull(pullId, { status: result.status, hasMore: result.hasMore });
      return result;
    } catch (err) {
      const e = err instanceof SluiceError ? err : undefined;
      await store.finishPull(pullId, {
        status: 'failed',
        hasMore: false,
        errorCode: e?.code ?? 'INTERNAL',
        error: (err as Error).message,
      });
      throw err;
    }
  } finally {
    await lease.release();
  }
}
