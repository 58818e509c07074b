import type { PullEnvironment } from '../config/pull-environment';
import { isSluiceError, messageLine } from '../errors';
import type { DatasetKey } from '../datasets/dataset-key';
import { followPull } from './follow-pull';
import type { IngestStore } from './ports';
import type { OpenMqttSession } from './fetch/mqtt-session';
import { RetryBackoff } from './retry-backoff';

export interface AlwaysOnRunner {
  stop(): Promise<void>;
}

/** A run that keeps losing its broker (or its lease) is logged at most this often: enough to see, not a line per attempt. */
const REPEATED_LOG_EVERY_MS = 60_000;

/**
 * Streams every always-on dataset: about every `everyMs` the worker looks for always-on datasets
 * and starts a follow pull (follow-pull.ts) for each it does not run yet; a dataset turned off has
 * its run stopped (what it holds is committed first). Any number of processes may run one: the
 * dataset's pull lease admits one runner across them, the others skip the dataset (their attempt
 * ends at once with PULL_ALREADY_RUNNING) and take over within a lease's lifetime if its holder
 * dies. A run that fails (the manifest changed under it, credentials refused) is tried again.
 */
export function startAlwaysOnRunner(opts: {
  store: IngestStore;
  everyMs?: number;
  retryAfterFailureMs?: number;
  log?: (line: string) => void;
  /** The operator's SLUICE_PULL_ENV bindings (workerEnvironment); none: stored secrets only. */
  environment?: PullEnvironment;
  /** How the runs open their broker sessions (RunPollingIngestArgs.openSession). */
  openSession?: OpenMqttSession;
}): AlwaysOnRunner {
  const everyMs = opts.everyMs ?? 2000;
  const log = opts.log ?? (() => {});
  const running = new Map<string, { stop: AbortController; done: Promise<void> }>();
  // A run that cannot start (credentials refused, a broker the policy refuses, a manifest an editor
  // broke) would otherwise connect, log and record a failed pull every round. Connecting resets it.
  const retries = new RetryBackoff(opts.retryAfterFailureMs);
  /** When each dataset's lost broker or lease was last logged. */
  const loggedAt = new Map<string, number>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const logAtMostOncePerMinute = (id: string, line: string) => {
    const now = Date.now();
    if (now - (loggedAt.get(id) ?? -Infinity) < REPEATED_LOG_EVERY_MS) return;
    loggedAt.set(id, now);
    log(line);
  };

  const start = (dataset: DatasetKey, id: string) => {
    const stop = new AbortController();
    /** The run subscribed: a lease lost after that was this process's, not another instance's. */
    let connected = false;
    const done = followPull({
      store: opts.store,
      dataset,
      environment: opts.environment?.(dataset),
      openSession: opts.openSession,
      signal: stop.signal,
      onConnected: () => {
        connected = true;
        retries.succeeded(id);
      },
      onReconnect: ({ error, delayMs }) => logAtMostOncePerMinute(id, `always-on ${dataset.name}: ${error.message}; connecting again in ${(delayMs / 1000).toFixed(1)} s`),
      onCompactionStopped: (error) => log(`always-on ${dataset.name}: ${error.message}; its run commits on without merging slices`),
    })
      .then(
        (r) => {
          if (!stop.signal.aborted) log(`always-on ${dataset.name}: the run ended (${r.rowsCommitted} rows); starting it again`);
        },
        (err: unknown) => {
          // Another instance holds the dataset: it streams it, this one waits for its next round.
          // A run of this process that lost its lease mid-stream is said, at most once a minute.
          if (isSluiceError(err, 'PULL_ALREADY_RUNNING')) {
            if (connected) logAtMostOncePerMinute(id, `always-on ${dataset.name}: ${err.message}; it is tried again in the next round`);
            return;
          }
          const delayMs = retries.failed(id);
          log(`always-on ${dataset.name} failed: ${messageLine(err)}; trying again in ${delayMs / 1000} s`);
        },
      )
      .finally(() => running.delete(id));
    running.set(id, { stop, done });
  };

  const run = async () => {
    try {
      const wanted = new Map((await opts.store.alwaysOnDatasets()).map((d) => [`${d.workspaceId}/${d.name}`, d]));
      for (const [id, r] of running) if (!wanted.has(id)) r.stop.abort();
      for (const [id, dataset] of wanted) {
        if (stopped || running.has(id) || !retries.due(id)) continue;
        start(dataset, id);
      }
    } catch (err) {
      log(`looking for always-on datasets failed: ${messageLine(err)}`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = run().finally(schedule);
    }, everyMs);
  };
  round = run().finally(schedule);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
      for (const r of running.values()) r.stop.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
