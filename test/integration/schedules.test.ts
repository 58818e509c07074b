import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { parseScheduleSpec } from '../../lib/schedules/schedule-spec';
import { startScheduler, type Scheduler } from '../../lib/schedules/scheduler';
import { useBrokerAndStore } from '../support/broker-and-store';
import { freePort } from '../support/free-port';
import { mqttManifest } from '../support/manifests';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { TEST_IDLE_MS } from '../support/pull-timing';

const env = useBrokerAndStore();
let scheduler: Scheduler;

beforeAll(async () => {
  scheduler = await startScheduler({ store: env.store, databaseUrl: env.store.databaseUrl, pollingSeconds: 0.5, log: () => {} });
});
afterAll(async () => scheduler?.stop());

async function lastRun(datasetId: string) {
  for (let i = 0; i < 60; i++) {
    const s = await env.store.schedules.get(datasetId);
    if (s?.lastOutcome) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the scheduled pull did not run');
}

describe('[SCHEDULE] pulls on a schedule, through pg-boss', () => {
  it('a due schedule is pulled once by the worker and its run recorded; it is not due again until its interval passes', async () => {
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'scheduled', port: env.broker.port, topics: [{ path: 'scheduled/#', qos: 'AtLeastOnce' }] }) });
    await runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey('scheduled'), options: { idleTimeoutMs: TEST_IDLE_MS } }); // creates the session
    const c = await mqtt.connectAsync(env.broker.url);
    for (let i = 0; i < 3; i++) await c.publishAsync('scheduled/a', JSON.stringify({ event_time: `2026-01-01T00:00:0${i}Z`, device: 'a', value: i }), { qos: 1 });
    await c.endAsync();
    const d = (await env.store.datasets.find(defaultWorkspaceKey('scheduled')))!;
    await env.store.schedules.set(d.id, parseScheduleSpec({ everyMinutes: 5 }), 'test');

    expect(await scheduler.tick()).toBe(1);
    const run = await lastRun(d.id);
    expect(run).toMatchObject({ lastOutcome: 'updated', lastRows: 3, lastError: null });
    expect(await scheduler.tick()).toBe(0);
    expect(await scheduler.tick(new Date(run.lastRunAt!.getTime() + 5 * 60_000))).toBe(1);
    const activity = await env.store.activity.list(d.workspaceId);
    expect(activity.some((a) => a.action === 'dataset.pull' && a.actorId === null)).toBe(true);
  });

  it('a failing scheduled pull records the specific error', async () => {
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'scheduled-down', port: await freePort(), topics: [{ path: 'x/#' }] }) });
    const d = (await env.store.datasets.find(defaultWorkspaceKey('scheduled-down')))!;
    await env.store.schedules.set(d.id, parseScheduleSpec({ cron: '* * * * *' }), 'test');
    expect(await scheduler.tick(new Date(Date.now() + 60_000))).toBe(1);
    const run = await lastRun(d.id);
    expect(run.lastOutcome).toBe('failed');
    expect(run.lastError).toMatch(/cannot reach the broker at mqtt:\/\/127\.0\.0\.1:\d+: no MQTT broker answered/);
  });
});
