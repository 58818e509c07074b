import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../../lib/errors';
import { inboxEventStream, MAX_INBOX_STREAMS_PER_ACCOUNT, MAX_QUEUED_BYTES } from '../../../lib/devices/inbox-event-stream';
import type { InboxPreviewEvent } from '../../../lib/devices/inbox-preview';

/** An event as large as the follower sends at most: 200 messages of 64 KiB, base64. */
function bigEvent(): InboxPreviewEvent {
  const payload = Buffer.alloc(64 * 1024, 7).toString('base64');
  return { backlog: 0, messages: Array.from({ length: 200 }, (_, i) => ({ id: String(i), topic: 't', qos: 1, receivedAt: new Date(0).toISOString(), payload, truncated: false })) };
}

/** A follower whose messages keep coming; `stopped` says whether the stream stopped it. */
function firehose() {
  const state = { stopped: false, send: undefined as ((e: InboxPreviewEvent) => void) | undefined };
  const follow = async (send: (e: InboxPreviewEvent) => void) => {
    state.send = send;
    return () => {
      state.stopped = true;
    };
  };
  return { state, follow };
}

describe('[DEVICES] the inbox live preview\'s event stream', () => {
  it('ends for a reader that does not read, with a bounded number of bytes queued (not 64 events of up to 17 MB each)', async () => {
    const { state, follow } = firehose();
    const stream = inboxEventStream(follow, `slow-${Math.random()}`, new AbortController().signal);
    const reader = stream.getReader();
    await new Promise((r) => setImmediate(r));
    const event = bigEvent();
    // The reader reads nothing while 70 large events are sent.
    for (let i = 0; i < 70 && !state.stopped; i++) state.send!(event);
    expect(state.stopped).toBe(true);
    let queued = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      queued += value.byteLength;
    }
    const oneEvent = JSON.stringify(event).length + 8;
    expect(queued).toBeLessThanOrEqual(MAX_QUEUED_BYTES + oneEvent);
  });

  it('holds at most a few streams per account open, and frees the slot when one ends', async () => {
    const account = `many-${Math.random()}`;
    const streams = Array.from({ length: MAX_INBOX_STREAMS_PER_ACCOUNT }, () => inboxEventStream(firehose().follow, account, new AbortController().signal));
    let refused: unknown;
    try {
      inboxEventStream(firehose().follow, account, new AbortController().signal);
    } catch (err) {
      refused = err;
    }
    expect(isSluiceError(refused, 'RATE_LIMITED')).toBe(true);
    // Another account is not affected.
    await inboxEventStream(firehose().follow, `other-${Math.random()}`, new AbortController().signal).cancel();
    await streams[0].cancel();
    const again = inboxEventStream(firehose().follow, account, new AbortController().signal);
    await Promise.all([again, ...streams.slice(1)].map((s) => s.cancel()));
  });
});
