import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { openThreadedMqttSession } from '../../lib/ingest/fetch/threaded-mqtt-session';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import type { Store } from '../../lib/store/open-store';
import { mqttManifest } from '../support/manifests';
import { TEST_IDLE_MS } from '../support/pull-timing';
import { startScriptedBroker } from '../support/scripted-broker';
import { createTestStore } from '../support/test-store';

let store: Store;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store?.close());

/** PUBRELs a flood sends: whole writes of 1,024. */
const FLOOD = 100 * 1024;

/** A broker that never publishes and sends FLOOD PUBRELs (ids 1…65,535 over and over), then goes quiet. */
function pubrelFlood(counted: { sent: number }) {
  return (socket: import('node:net').Socket) => {
    let id = 0;
    const pump = () => {
      while (counted.sent < FLOOD && !socket.destroyed) {
        const chunk = Buffer.alloc(4 * 1024);
        for (let at = 0; at < chunk.length; at += 4) {
          id = (id % 65_535) + 1;
          chunk.set([0x62, 2, id >> 8, id & 0xff], at);
        }
        counted.sent += chunk.length / 4;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
  };
}

describe('[HOSTILE BROKER] what a broken or hostile broker sends cannot grow a pull without bound', () => {
  for (const threaded of [false, true]) {
    it(`${threaded ? 'threaded' : 'inline'} session: PUBRELs for packet ids it never sent are answered at once, not held for a commit, and the pull ends when they stop`, async () => {
      const counted = { sent: 0 };
      const broker = await startScriptedBroker(pubrelFlood(counted));
      const stages = new Set<string>();
      try {
        const name = `hostile.pubrels.${threaded ? 'threaded' : 'inline'}`;
        const port = Number(new URL(broker.url).port);
        await addDataset({ store, manifest: mqttManifest({ name, port, topics: [{ path: 'h/#', qos: 'ExactlyOnce' }] }) });
        const result = await runPollingIngest({
          store: store.ingest,
          dataset: defaultWorkspaceKey(name),
          // The session stops reading while the broker has not read the PUBCOMPs written to it;
          // with 3 test files at once on 2 cores this broker (in this process) fell that far behind
          // for longer than TEST_IDLE_MS, and the pull ended idle with PUBRELs still unread.
          options: { idleTimeoutMs: 5 * TEST_IDLE_MS, protocolVersion: 4, maxDurationMs: 120_000 },
          ...(threaded ? { openSession: openThreadedMqttSession } : {}),
          onProgress: (p) => stages.add(p.stage),
        });
        expect(result).toMatchObject({ status: 'up_to_date', messagesReceived: 0, rowsCommitted: 0 });
        expect(counted.sent).toBe(FLOOD);
        // Nothing to commit: each PUBREL was answered as it came (held for a commit, every one of
        // them waited in memory until the broker went quiet, or the pull ran out of time).
        expect(stages.has('committing')).toBe(false);
        await vi.waitFor(() => expect(broker.received.get('pubcomp')).toBe(FLOOD), { timeout: 30_000 });
      } finally {
        await broker.stop();
      }
    }, 180_000);
  }
});
