import { requireMemberAccess } from '../auth/member-access';
import type { DatasetKey } from '../datasets/dataset-key';
import { SluiceError } from '../errors';
import { isPushDataset } from '../odf/mqtt-source';
import type { Store } from '../store/open-store';

/** One inbox message as the live preview receives it: topic, QoS, time and payload, never who sent it. */
export interface InboxPreviewItem {
  /** The inbox id (a decimal string), increasing in arrival order. */
  id: string;
  topic: string;
  qos: 0 | 1 | 2;
  receivedAt: string;
  /** The payload, base64, cut at PAYLOAD_PREVIEW_BYTES. */
  payload: string;
  truncated: boolean;
}

/** What the preview's event stream sends: messages new since the last event, and the inbox backlog. */
export interface InboxPreviewEvent {
  messages: InboxPreviewItem[];
  backlog: number;
}

/** Payload bytes sent per message (the preview's message list caps what it keeps anyway). */
const PAYLOAD_PREVIEW_BYTES = 64 * 1024;
/** Messages per event; more waiting are taken by the next event at once. */
const BATCH = 200;
/** The first event shows the inbox's latest messages. */
const FIRST = 50;
/** The backlog shrinks when the worker folds, which notifies nothing: looked at this often. */
const BACKLOG_EVERY_MS = 2000;

/**
 * The account reading the preview and the workspace slug it came through. A stream outlives its
 * request, so the account's access is checked again while it lasts (as the pull preview's relay
 * does): signed out, removed from the workspace, a role that no longer reads datasets, the slug now
 * another workspace's, or the dataset deleted, and the stream ends.
 */
export interface PreviewReader {
  userId: string;
  workspaceSlug: string;
  /** The account the request's session belongs to now: undefined once it was signed out or expired. */
  sessionAccount: () => Promise<string | undefined>;
}

/**
 * Follows a push dataset's inbox for its live preview: `send` gets the latest messages at once,
 * then each message as it commits (the store's inbox notification, from whichever process runs
 * the device endpoint), with the backlog waiting to be folded. A message the worker folds before
 * the preview read it is not shown (the worker folds about once a second; the read follows the
 * commit within milliseconds). Reads never overlap: a notification during one reads again after it.
 * Checks the reader and the dataset first (typed errors), then again every BACKLOG_EVERY_MS: a
 * refusal reaches `onError` and nothing more is sent. Following returns how to stop.
 */
export async function inboxFollower(
  store: Store,
  dataset: DatasetKey,
  reader: PreviewReader,
): Promise<(send: (e: InboxPreviewEvent) => void, onError: (err: Error) => void) => Promise<() => void>> {
  const allowed = () => readerMayRead(store, dataset, reader);
  const d = await allowed();
  if (!isPushDataset(d.snapshot)) throw new SluiceError('SOURCE_NOT_PULLABLE', `dataset "${d.name}" has no push source: devices do not publish to it`);
  return (send, onError) => follow(store, d.id, allowed, send, onError);
}

/** The reader may still read the dataset: still signed in, a member of its workspace (by id) whose role reads datasets, and the dataset exists. */
async function readerMayRead(store: Store, dataset: DatasetKey, reader: PreviewReader) {
  if ((await reader.sessionAccount()) !== reader.userId) throw new SluiceError('UNAUTHENTICATED', 'sign in to preview');
  const member = await requireMemberAccess(store.workspaces, reader.userId, reader.workspaceSlug, { dataset: 'read' });
  if (member.workspace.id !== dataset.workspaceId) throw new SluiceError('WORKSPACE_NOT_FOUND', `no workspace "${reader.workspaceSlug}" that you are a member of`);
  const d = await store.datasets.find(dataset);
  if (!d) throw new SluiceError('DATASET_NOT_FOUND', `no dataset "${dataset.name}"`);
  return d;
}

async function follow(store: Store, datasetId: string, allowed: () => Promise<unknown>, send: (e: InboxPreviewEvent) => void, onError: (err: Error) => void): Promise<() => void> {
  let after: bigint | undefined;
  let stopped = false;
  let reading: Promise<void> | undefined;
  let again = false;
  const read = (): void => {
    if (stopped) return;
    if (reading) {
      again = true;
      return;
    }
    reading = (async () => {
      do {
        again = false;
        const rows = await store.devices.inboxMessages(datasetId, after, after === undefined ? FIRST : BATCH);
        if (rows.length) after = rows.at(-1)!.id;
        const backlog = await store.devices.inboxBacklog(datasetId);
        if (stopped) return;
        send({
          backlog,
          messages: rows.map((r) => ({
            id: r.id.toString(),
            topic: r.topic,
            qos: r.qos,
            receivedAt: r.receivedAt.toISOString(),
            payload: r.payload.subarray(0, PAYLOAD_PREVIEW_BYTES).toString('base64'),
            truncated: r.payload.length > PAYLOAD_PREVIEW_BYTES,
          })),
        });
        if (rows.length === BATCH) again = true;
      } while (again && !stopped);
    })()
      .catch((err: Error) => onError(err))
      .finally(() => (reading = undefined));
  };
  let checking = false;
  const check = (): void => {
    if (stopped || checking) return;
    checking = true;
    allowed()
      .then(
        () => undefined,
        (err: Error) => {
          if (stopped) return;
          stop();
          onError(err);
        },
      )
      .finally(() => (checking = false));
  };
  const unwatch = await store.devices.watchInbox(datasetId, read);
  const timer = setInterval(() => {
    check();
    read();
  }, BACKLOG_EVERY_MS);
  const stop = () => {
    stopped = true;
    clearInterval(timer);
    unwatch();
  };
  read();
  return stop;
}
