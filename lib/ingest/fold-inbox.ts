import { SluiceError } from '../errors';
import type { DatasetKey } from '../datasets/dataset-key';
import type { ReceivedMessage } from './fetch/mqtt-session';
import type { IngestStore, InboxRow } from './ports';
import { resolvePullOptions, type PullOptions } from './pull-options';
import { MAX_BATCH_BYTES } from './message-queue';
import { pushSourceConfig } from './push-source-config';
import { recordedPull, type PullResult } from './recorded-pull';
import type { PullProgress } from './run-polling-ingest';
import { configureSchema, SliceWriter, systemClock, type Clock } from './slice-writer';

export interface FoldInboxArgs {
  store: IngestStore;
  dataset: DatasetKey;
  /** `batchSize` messages per slice, at most `recordCap` per fold; the rest waits for the next one. */
  options?: Partial<Pick<PullOptions, 'batchSize' | 'recordCap' | 'maxPayloadBytes'>>;
  clock?: Clock;
  onProgress?: (progress: PullProgress) => void;
}

/**
 * Folds a push dataset's inbox into its chain (Kamu's push ingestion): the device messages the
 * endpoint stored are read by the push source's read step, merged by its merge strategy and
 * committed as slices, through the same SliceWriter as a pull — quarantine for payloads that do not
 * read, the topic as a column where the read step asks for it. Exactly once: each slice's
 * transaction deletes the inbox rows it holds, and fails if any of them was already folded. Runs
 * under the dataset's pull lease and is recorded as a pull.
 */
export async function foldInbox(args: FoldInboxArgs): Promise<PullResult> {
  const options = resolvePullOptions(args.options);
  const clock = args.clock ?? systemClock;
  const { store } = args;
  const head = await store.getDatasetHead(args.dataset);
  if (!head) throw new SluiceError('DATASET_NOT_FOUND', `no dataset named "${args.dataset.name}"`);
  const source = pushSourceConfig(head.snapshot);
  const readSchema = source.readSchema ?? head.inferredReadSchema ?? undefined;
  const schema = readSchema && configureSchema(readSchema, source, head);
  const fold = async (pullId: string): Promise<PullResult> => {
    const writer = new SliceWriter({ store, clock, head, source, schema, pullId, maxPayloadBytes: options.maxPayloadBytes, repeatedKeysAreRedeliveries: true });
    const progress = (stage: PullProgress['stage']) => args.onProgress?.({ stage, ...writer.counters });
    progress('receiving');
    await writer.start();
    let folded = 0;
    let hasMore = false;
    for (;;) {
      // A Snapshot merge needs the whole snapshot at once: one batch, up to the cap.
      const limit = Math.min(writer.singleBatch ? options.recordCap : options.batchSize, options.recordCap - folded);
      // A batch is read into rows at once: at most MAX_BATCH_BYTES of messages, as a pull's (a Snapshot's is the whole fold).
      const rows = limit > 0 ? await store.loadInbox(head.id, limit, writer.singleBatch ? undefined : MAX_BATCH_BYTES) : [];
      if (limit <= 0) hasMore = (await store.loadInbox(head.id, 1)).length > 0;
      if (rows.length === 0) {
        // Rows a killed pull staged (a dataset that had a polling source) are published on their own.
        if (writer.stagedCount > 0) await writer.commit(await writer.prepare([], [], true));
        break;
      }
      progress('committing');
      const prepared = await writer.prepare(rows.map(toReceived), [], true);
      prepared.commit.inbox = rows.map((r) => r.id);
      await writer.commit(prepared);
      folded += rows.length;
    }
    progress('done');
    return {
      pullId,
      status: writer.head.headHash === head.headHash ? 'up_to_date' : 'updated',
      hasMore,
      oldHead: head.headHash,
      newHead: writer.head.headHash,
      qosDowngrades: [],
      ...writer.counters,
    };
  };
  return recordedPull(store, head.id, (pullId) => ({ qosDowngrades: [], run: () => fold(pullId) }));
}

function toReceived(r: InboxRow): ReceivedMessage {
  return { topic: r.topic, payload: r.payload, qos: r.qos as ReceivedMessage['qos'], retain: false, dup: false, receivedAt: r.receivedAt };
}
