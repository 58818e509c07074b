import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { verifyDataset } from '../../lib/datasets/verify-dataset';
import { pullUntilCaughtUp } from '../../lib/ingest/pull-until-caught-up';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { useBrokerAndStore } from '../support/broker-and-store';
import { committedRows } from '../support/committed-rows';
import { mqttManifest } from '../support/manifests';

// Mosquitto with its default in-flight window (20) and a queue large enough for the whole backlog.
const env = useBrokerAndStore({ maxInflightMessages: 20, maxQueuedMessages: 1_000_000 });

const RECORD_CAP = 500;
const BACKLOG = 6 * RECORD_CAP;
const TOPIC = 'qos2backlog/x';

const reading = (i: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), device: 'd', value: i });

/**
 * Publishes with at most 20 QoS 2 messages unacknowledged: Mosquitto refuses a publisher's QoS 2
 * messages beyond its inbound window with PUBREC 0x97, which a 3.1.1 publisher cannot see, and
 * those messages would never reach any subscriber.
 */
async function publishQos2(count: number): Promise<void> {
  const c = await mqtt.connectAsync(env.broker.url, { reconnectPeriod: 0 });
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const p = c.publishAsync(TOPIC, reading(i), { qos: 2 }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 20) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await c.endAsync();
}

/** A persistent MQTT 3.1.1 session on the same topic: what the broker keeps for any subscriber. */
async function controlSession(): Promise<{ drain(expected: number): Promise<number> }> {
  const options = { clientId: 'qos2backlog-control', clean: false, protocolVersion: 4 as const, reconnectPeriod: 0 };
  const c = await mqtt.connectAsync(env.broker.url, options);
  await c.subscribeAsync(TOPIC, { qos: 2 });
  await c.endAsync();
  return {
    // Counts until `expected` arrived, or until the broker has sent nothing for 2 s (it kept fewer).
    async drain(expected) {
      let received = 0;
      let last = Date.now();
      const client = await mqtt.connectAsync(env.broker.url, options);
      client.on('message', () => {
        received++;
        last = Date.now();
      });
      while (received < expected && Date.now() - last < 2000) await new Promise((r) => setTimeout(r, 50));
      await client.endAsync();
      return received;
    },
  };
}

describe('[DELIVERY] a QoS 2 backlog of several record caps on Mosquitto', () => {
  it('drains completely across pulls, exactly once, although Mosquitto overruns the Receive Maximum', async () => {
    const name = 'qos2backlog';
    const dataset = defaultWorkspaceKey(name);
    await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: 'qos2backlog/#', qos: 'ExactlyOnce' }], merge: '        kind: Append' }) });
    await runPollingIngest({ store: env.store.ingest, dataset, options: { idleTimeoutMs: 200 } }); // creates the session
    const control = await controlSession();
    await publishQos2(BACKLOG);
    const kept = await control.drain(BACKLOG);

    // MQTT 5 (auto): the pull asks for a window of RECORD_CAP. Mosquitto 2.0.11 sends more than
    // that on a resumed session; before the fix mqtt.js ended the pull ("Receive Maximum
    // exceeded") and every later pull failed the same way.
    const r = await pullUntilCaughtUp({ store: env.store.ingest, dataset, options: { recordCap: RECORD_CAP, idleTimeoutMs: 500 } });
    expect(r.pulls).toBeGreaterThanOrEqual(BACKLOG / RECORD_CAP);
    expect(r).toMatchObject({ rowsCommitted: kept, duplicates: 0 });
    expect(kept).toBe(BACKLOG);
    const values = (await committedRows(env.store, name)).map((row) => row.value);
    expect(new Set(values).size).toBe(values.length);
    expect(values).toHaveLength(kept);
    expect((await verifyDataset(env.store, dataset)).problems).toEqual([]);
  });
});
