import { openMqttSession, type OpenMqttSession, type ReceivedMessage } from '../../lib/ingest/fetch/mqtt-session';

/**
 * Opens a real broker session whose first `count` messages reach the pull at once, in one turn of
 * the event loop, once all of them arrived (later ones as they come): the pull then finds its
 * whole backlog queued, as when a broker sent it faster than the pull takes batches, whatever the
 * machine's load.
 */
export function burstSession(count: number, open: OpenMqttSession = openMqttSession): OpenMqttSession {
  return (opts, handlers) => {
    const waiting: ReceivedMessage[] = [];
    let released = false;
    return open(opts, {
      ...handlers,
      onMessage: (m) => {
        if (released) return handlers.onMessage(m);
        waiting.push(m);
        if (waiting.length < count) return;
        released = true;
        for (const w of waiting.splice(0)) handlers.onMessage(w);
      },
    });
  };
}
