import { SluiceError } from '../errors';
import { ConnectionsPerAccount } from '../relay/connections-per-account';
import type { InboxPreviewEvent } from './inbox-preview';

/** Live previews of push datasets one account may hold open in this process: each reads the store every 2 s. */
export const MAX_INBOX_STREAMS_PER_ACCOUNT = 8;

/**
 * Bytes queued for a reader that does not keep up, past which its stream ends (EventSource
 * reconnects and starts from the latest). Counted in bytes, not events: one event may carry 200
 * messages of 64 KiB each, so a count of events bounded nothing useful.
 */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** Kept on globalThis: Next.js may load this module more than once in one process, and the count must be one. */
const holder = globalThis as unknown as { sluiceInboxStreams?: ConnectionsPerAccount };

type Follow = (send: (e: InboxPreviewEvent) => void, onError: (err: Error) => void) => Promise<() => void>;

/**
 * The server-sent events of a push dataset's live preview (inbox-preview.ts's follower) for one
 * account: at most MAX_INBOX_STREAMS_PER_ACCOUNT at once (RATE_LIMITED past it, thrown before any
 * answer starts), at most MAX_QUEUED_BYTES waiting for a slow reader. The account's slot is freed
 * when the stream ends, for whatever reason (the reader left, access refused, the reader too slow).
 */
export function inboxEventStream(follow: Follow, accountId: string, signal: AbortSignal): ReadableStream<Uint8Array> {
  const streams = (holder.sluiceInboxStreams ??= new ConnectionsPerAccount(MAX_INBOX_STREAMS_PER_ACCOUNT));
  const release = streams.tryAcquire(accountId);
  if (!release) throw new SluiceError('RATE_LIMITED', `at most ${MAX_INBOX_STREAMS_PER_ACCOUNT} live previews open at once: close one`);
  const encoder = new TextEncoder();
  let stop = () => {};
  let ended = false;
  const finish = () => {
    ended = true;
    stop();
    release();
  };
  return new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        const end = () => {
          finish();
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        const send = (e: InboxPreviewEvent) => {
          if (ended) return;
          if ((controller.desiredSize ?? 0) < 0) return end();
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(e)}\n\n`));
        };
        try {
          stop = await follow(send, end);
        } catch (err) {
          release();
          throw err;
        }
        if (ended || signal.aborted) return end();
        signal.addEventListener('abort', end);
      },
      cancel() {
        finish();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: MAX_QUEUED_BYTES }),
  );
}
