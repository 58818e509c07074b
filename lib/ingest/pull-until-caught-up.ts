import { isSluiceError, SluiceError } from '../errors';
import { findActivePollingSource } from '../odf';
import { foldInbox } from './fold-inbox';
import type { QosDowngrade } from './fetch/mqtt-session';
import { stillArriving, type PendingAtBroker } from './pending-at-broker';
import { DEFAULT_PULL_OPTIONS } from './pull-options';
import { sumCounters, zeroCounters, type PullCounters } from './ports';
import { isPushDataset } from '../odf/mqtt-source';
import { runPollingIngest, type PullProgress, type PullResult, type RunPollingIngestArgs } from './run-polling-ingest';

export interface CaughtUpResult extends Omit<PullResult, 'pullId' | 'hasMore' | 'handOver'> {
  pulls: number;
}

/** Progress across the pulls: counters are totals so far; `pulls` counts the pull under way. */
export interface CaughtUpProgress extends PullProgress {
  pulls: number;
}

export interface PullUntilCaughtUpArgs extends Omit<RunPollingIngestArgs, 'onProgress' | 'keepSession' | 'handOver'> {
  maxPulls?: number;
  /**
   * No further pull starts after the run lasted this long (default: 20 × the pull's maxDurationMs,
   * 10 min): a topic that never goes quiet has every pull stop with more to take. The run then ends
   * with `pending` (stillArriving). 200,000 backlogged messages fit in it at 330 msg/s (a RabbitMQ
   * backlog, 10 messages per commit, drained at 380–620 msg/s at load 15–18).
   */
  maxRunMs?: number;
  onProgress?: (progress: CaughtUpProgress) => void;
  /**
   * When the broker withholds messages for redelivery (see pending-at-broker.ts), wait as long as
   * it says and pull again, instead of ending with `pending`. Each withholding is waited for once.
   */
  waitForRedelivery?: boolean;
  /** Called before such a wait. */
  onWaiting?: (pending: PendingAtBroker) => void;
}

/**
 * Pulls again while the previous pull stopped with more to take (at its record cap, Kamu's
 * `exhaust_sources`, or out of time while the broker was still sending), so a backlog larger than
 * one pull is drained, each pull a bounded, separately committed unit. The
 * pulls share one connection (SessionRelay): what the broker sent past one pull's cap is the next
 * pull's, so no broker is left holding unacknowledged messages between them. Ends with `pending`
 * when the broker holds messages it will only redeliver later, so a caller never reports "up to
 * date" then. A push
 * dataset (AddPushSource, no polling source) is "pulled" by folding its device inbox.
 */
export async function pullUntilCaughtUp(args: PullUntilCaughtUpArgs): Promise<CaughtUpResult> {
  let done: PullCounters = zeroCounters();
  let updated = false;
  let first: PullResult | undefined;
  let previous: PullResult | undefined;
  let pending: PendingAtBroker | undefined;
  if (args.maxPulls !== undefined && !(Number.isInteger(args.maxPulls) && args.maxPulls >= 1)) throw new SluiceError('INVALID_INPUT', `maxPulls must be a whole number of at least 1, got ${args.maxPulls}`);
  let waited = false;
  let pulls = 0;
  const head = await args.store.getDatasetHead(args.dataset);
  const push = !!head && isPushDataset(head.snapshot) && !findActivePollingSource(head.snapshot.metadata);
  // Each filter once, as the last pull's session holds it.
  const downgrades = new Map<string, QosDowngrade>();
  const startedAt = Date.now();
  const maxRunMs = args.maxRunMs ?? 20 * (args.options?.maxDurationMs ?? DEFAULT_PULL_OPTIONS.maxDurationMs);
  while (pulls < (args.maxPulls ?? Infinity)) {
    pulls++;
    const before = done;
    const onProgress = args.onProgress && ((p: PullProgress) => args.onProgress!({ ...p, ...sumCounters(before, p), pulls }));
    const r = await (push
      ? foldInbox({ store: args.store, dataset: args.dataset, clock: args.clock, onProgress, options: { batchSize: args.options?.batchSize, recordCap: args.options?.recordCap, maxPayloadBytes: args.options?.maxPayloadBytes } })
      : runPollingIngest({ ...args, onProgress, keepSession: true, handOver: previous?.handOver })
    ).catch((err: unknown) => {
      throw head?.alwaysOn && isSluiceError(err, 'PULL_ALREADY_RUNNING') ? alwaysOnRefusal(args.dataset.name) : err;
    });
    done = sumCounters(done, r);
    updated ||= r.status === 'updated';
    first ??= r;
    for (const d of r.qosDowngrades) downgrades.set(d.path, d);
    pending = r.pending;
    previous = r;
    if (pending) {
      if (!args.waitForRedelivery || waited) break;
      args.onWaiting?.(pending);
      await new Promise((resolve) => setTimeout(resolve, pending!.retryAfterMs));
      waited = true;
      continue;
    }
    waited = false;
    if (!r.hasMore) break;
    if (Date.now() - startedAt >= maxRunMs) {
      pending = stillArriving(Date.now() - startedAt);
      break;
    }
  }
  // The last pull allowed (maxPulls, maxRunMs) still had more: its session and lease end here.
  if (previous?.handOver) await Promise.all([previous.handOver.session.close(), previous.handOver.lease.release()]);
  return {
    ...done,
    status: updated ? 'updated' : 'up_to_date',
    oldHead: first!.oldHead,
    newHead: previous!.newHead,
    qosDowngrades: [...downgrades.values()],
    ...(pending ? { pending } : {}),
    pulls,
  };
}

/** Why a pull (by hand, the console's or a schedule's) does not run beside the always-on runner holding the lease. */
function alwaysOnRefusal(name: string): SluiceError {
  return new SluiceError(
    'PULL_ALREADY_RUNNING',
    `"${name}" is always on: the worker streams it and commits what arrives within about a second, so it needs no pull; turn "always on" off (sluice set ${name} --always-on off, or the dataset's Settings) to pull it yourself`,
  );
}
