import { isSluiceError } from '../errors';
import { foldInbox } from './fold-inbox';
import type { IngestStore } from './ports';

export interface InboxFolder {
  stop(): Promise<void>;
}

/**
 * Folds every push dataset's inbox continuously: about every `everyMs`, each dataset with waiting
 * device messages is folded into its chain. Any number of processes may run one: the dataset's pull
 * lease admits one fold (or pull) at a time, and the others skip it until their next round.
 */
export function startInboxFolder(opts: { store: IngestStore; everyMs?: number; log?: (line: string) => void }): InboxFolder {
  const everyMs = opts.everyMs ?? 1000;
  const log = opts.log ?? (() => {});
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const run = async () => {
    try {
      for (const dataset of await opts.store.datasetsWithInbox()) {
        if (stopped) return;
        await foldInbox({ store: opts.store, dataset }).catch((err: unknown) => {
          if (!isSluiceError(err, 'PULL_ALREADY_RUNNING')) log(`folding the inbox of ${dataset.name} failed: ${(err as Error).message}`);
        });
      }
    } catch (err) {
      log(`looking for device inboxes failed: ${(err as Error).message}`);
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
