import { isSluiceError, messageLine } from '../errors';
import { foldInbox } from './fold-inbox';
import type { IngestStore } from './ports';
import { RetryBackoff } from './retry-backoff';

export interface InboxFolder {
  stop(): Promise<void>;
}

/**
 * Folds every push dataset's inbox continuously: about every `everyMs`, each dataset with waiting
 * device messages is folded into its chain. Any number of processes may run one: the dataset's pull
 * lease admits one fold (or pull) at a time, and the others skip it until their next round. A
 * dataset whose fold failed is tried again as an always-on run is (RetryBackoff), not every round:
 * each attempt logged and recorded a failed pull once a second for as long as the fault lasted.
 */
export function startInboxFolder(opts: { store: IngestStore; everyMs?: number; retryAfterFailureMs?: number; log?: (line: string) => void }): InboxFolder {
  const everyMs = opts.everyMs ?? 1000;
  const log = opts.log ?? (() => {});
  const retries = new RetryBackoff(opts.retryAfterFailureMs);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const run = async () => {
    try {
      for (const dataset of await opts.store.datasetsWithInbox()) {
        if (stopped) return;
        const id = `${dataset.workspaceId}/${dataset.name}`;
        if (!retries.due(id)) continue;
        await foldInbox({ store: opts.store, dataset }).then(
          () => retries.succeeded(id),
          (err: unknown) => {
            if (isSluiceError(err, 'PULL_ALREADY_RUNNING')) return;
            log(`folding the inbox of ${dataset.name} failed: ${messageLine(err)}; trying again in ${retries.failed(id) / 1000} s`);
          },
        );
      }
    } catch (err) {
      log(`looking for device inboxes failed: ${messageLine(err)}`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = run().finally(schedule);
    }, everyMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
