import { randomUUID } from 'node:crypto';
import { isSluiceError, SluiceError } from '../errors';
import type { MqttSession, QosDowngrade, ReceivedMessage } from './fetch/mqtt-session';
import type { SessionRelay } from './fetch/session-relay';
import type { PendingAtBroker } from './pending-at-broker';
import type { IngestStore, PullCounters, PullLease } from './ports';
import type { ResolvedPullSource } from './run-polling-ingest';
import type { SliceWriter } from './slice-writer';

/** What a pull (or a fold of a push dataset's inbox) reports when it ends. */
export interface PullResult extends PullCounters {
  pullId: string;
  /** `updated` when at least one block was committed, else `up_to_date` (Kamu's outcomes). */
  status: 'updated' | 'up_to_date';
  /** The record cap was reached, or `pending`: more messages are probably waiting at the broker. */
  hasMore: boolean;
  /** The broker may be holding messages for redelivery later (see pending-at-broker.ts). */
  pending?: PendingAtBroker;
  /** With `keepSession` and `hasMore`: the still-open session, for the next pull of the run. */
  handOver?: SessionHandOver;
  /** Filters the broker granted a lower QoS than the manifest asks (see describeQosDowngrade). */
  qosDowngrades: QosDowngrade[];
  oldHead: string;
  newHead: string;
}

/**
 * What one pull of a run passes to the next: its open session, with what it received and did not
 * take, and the lease with what the pull knows under it — its source and its writer, whose head,
 * key state and QoS 2 receipts are as its commits left them. The next pull starts from these
 * without reading them again (see PullLease.passTo).
 */
export interface SessionHandOver {
  session: MqttSession;
  relay: SessionRelay;
  /** Messages received past the pull's cap or after its slice was on its way, in arrival order. */
  messages: ReceivedMessage[];
  /** PUBRELs not yet recorded. */
  pubrels: number[];
  lease: PullLease;
  source: ResolvedPullSource;
  writer: SliceWriter;
}

/** What the dataset's pull records say of the pull before this one (see IngestStore.startPull). */
export type PreviousPull = Awaited<ReturnType<IngestStore['startPull']>>;

/** One ingest run under recordedPull. */
export interface RecordedIngest {
  run(): Promise<PullResult>;
  /** The grants known so far: recorded with a failure too. */
  readonly qosDowngrades: QosDowngrade[];
}

/**
 * Runs one ingest of a dataset under its pull lease (one at a time per dataset, across processes)
 * and records it as a pull: started, then finished with its outcome or its error. With `held` (the
 * lease the previous pull of the run handed over) the lease passes to this pull; a result that
 * hands over keeps it for the next.
 */
export async function recordedPull(
  store: IngestStore,
  datasetId: string,
  begin: (pullId: string, previous: PreviousPull, lease: PullLease) => RecordedIngest,
  held?: PullLease,
): Promise<PullResult> {
  const pullId = randomUUID();
  const lease = held ?? (await store.acquirePullLease(datasetId, pullId));
  let result: PullResult | undefined;
  try {
    // A held lease comes from the previous pull of this run, which stopped at its cap and handed its session over.
    const previous = held ? await held.passTo(pullId).then(() => ({ interruptedPull: false, previousCapped: true })) : await store.startPull(datasetId, pullId);
    const ingest = begin(pullId, previous, lease);
    try {
      result = await ingest.run();
      // The record's hasMore means "stopped with more to take" (the next pull looks at it): a pull
      // that only suspects the broker withholds redeliveries (`pending`) did not.
      await store.finishPull(pullId, { status: result.status, hasMore: result.hasMore && !result.pending, qosDowngrades: result.qosDowngrades });
      return result;
    } catch (err) {
      const e = isSluiceError(err) ? err : undefined;
      await store.finishPull(pullId, {
        status: 'failed',
        hasMore: false,
        qosDowngrades: ingest.qosDowngrades,
        errorCode: e?.code ?? 'INTERNAL',
        error: (err as Error).message,
      });
      throw err;
    }
  } finally {
    if (result?.handOver?.lease !== lease) await lease.release();
  }
}
