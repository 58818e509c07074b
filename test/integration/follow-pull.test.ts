import { spawn } from 'node:child_process';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { verifyDataset } from '../../lib/datasets/verify-dataset';
import { followPull, type FollowCommit, type FollowPullArgs } from '../../lib/ingest/follow-pull';
import { pullUntilCaughtUp } from '../../lib/ingest/pull-until-caught-up';
import { useBrokerAndStore } from '../support/broker-and-store';
import { SLUICE } from '../support/cli';
import { committedRows } from '../support/committed-rows';
import { mqttManifest } from '../support/manifests';
import { TEST_IDLE_MS } from '../support/pull-timing';
import { TEST_SECRET_KEY } from '../support/test-store';

const env = useBrokerAndStore();

const reading = (i: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(), device: 'd', value: i });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

async function publish(topic: string, values: number[], qos: 1 | 2 = 1) {
  const c = await mqtt.connectAsync(env.broker.url);
  await Promise.all(values.map((i) => c.publishAsync(topic, reading(i), { qos })));
  await c.endAsync();
}

async function add(name: string, merge?: string, qos: 'AtLeastOnce' | 'ExactlyOnce' = 'AtLeastOnce') {
  await addDataset({ store: env.store, manifest: mqttManifest({ name, port: env.broker.port, topics: [{ path: `${name}/#`, qos }], merge }) });
}

/** A follow run in this process, with a way to wait until its commits hold `rows` rows in total. */
function follow(name: string, extra: Partial<FollowPullArgs> = {}) {
  const stop = new AbortController();
  const commits: FollowCommit[] = [];
  const waiters: { rows: number; resolve: () => void }[] = [];
  let connected!: () => void;
  const subscribed = new Promise<void>((resolve) => (connected = resolve));
  const result = followPull({
    store: env.store.ingest,
    dataset: defaultWorkspaceKey(name),
    options: { connectTimeoutMs: 2000 },
    signal: stop.signal,
    onConnected: () => connected(),
    onCommit: (c) => {
      commits.push(c);
      for (const w of waiters.filter((w) => c.totals.rowsCommitted >= w.rows)) w.resolve();
    },
    ...extra,
  });
  // A run that fails ends every wait with its error instead of leaving the test hanging.
  const failed = result.then(() => new Promise<never>(() => {}));
  return {
    stop,
    commits,
    result,
    subscribed: Promise.race([subscribed, failed]),
    committed: (rows: number) =>
      Promise.race([new Promise<void>((resolve) => ((commits.at(-1)?.totals.rowsCommitted ?? 0) >= rows ? resolve() : waiters.push({ rows, resolve }))), failed]),
  };
}

describe('[STREAM] sluice pull --follow', () => {
  it('commits while the session stays open, and commits what it holds when stopped', async () => {
    await add('follow-basic');
    const run = follow('follow-basic', { follow: { commitIntervalMs: 200 } });
    await run.subscribed;
    await publish('follow-basic/a', range(0, 10));
    await run.committed(10);
    // Still the same run: the rows became visible without the pull ending.
    expect(run.commits.length).toBeGreaterThan(0);
    await publish('follow-basic/a', range(10, 20));
    await run.committed(20);
    run.stop.abort();
    expect(await run.result).toMatchObject({ status: 'updated', rowsCommitted: 20, duplicates: 0 });
    expect((await committedRows(env.store, 'follow-basic')).map((r) => r.value).sort((a, b) => Number(a) - Number(b))).toEqual(range(0, 20));
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-basic'))).problems).toEqual([]);
  });

  it('a broker restart in the middle loses nothing: the run reconnects and the broker resends what was not committed', async () => {
    await add('follow-restart');
    const reconnects: string[] = [];
    const run = follow('follow-restart', { onReconnect: ({ error }) => reconnects.push(error.code) });
    await run.subscribed;
    await publish('follow-restart/a', range(0, 200));
    await run.committed(1);
    await env.broker.restart();
    await publish('follow-restart/a', range(200, 400));
    await run.committed(400);
    run.stop.abort();
    await run.result;
    expect(reconnects.length).toBeGreaterThan(0);
    const values = (await committedRows(env.store, 'follow-restart')).map((r) => Number(r.value));
    expect(new Set(values).size).toBe(400);
    expect(values.length).toBe(400); // Ledger: a redelivery of a committed message is dropped by key
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-restart'))).problems).toEqual([]);
  });

  it('merges the small slices at the tail: offsets contiguous, rows unchanged, verify passes', async () => {
    await add('follow-compact', '        kind: Append');
    const run = follow('follow-compact', { follow: { commitIntervalMs: 50, compaction: { enabled: true, minSlices: 3, targetRows: 1000 } } });
    await run.subscribed;
    for (let burst = 0; burst < 8; burst++) {
      await publish('follow-compact/a', range(burst * 10, burst * 10 + 10));
      await run.committed((burst + 1) * 10);
    }
    run.stop.abort();
    await run.result;
    const ds = (await env.store.datasets.find(defaultWorkspaceKey('follow-compact')))!;
    const slices = await env.store.datasets.slices(ds.id);
    expect(run.commits.length).toBeGreaterThanOrEqual(8);
    expect(slices.length).toBeLessThan(run.commits.length);
    expect(slices.map((s) => [Number(s.offsetStart), Number(s.offsetEnd)])).toEqual([[0, 79]]);
    const rows = await committedRows(env.store, 'follow-compact');
    expect(rows.map((r) => Number(r.offset))).toEqual(range(0, 80));
    expect(rows.map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual(range(0, 80));
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-compact'))).problems).toEqual([]);
  });

  it('a follow process killed with SIGKILL loses nothing and the next pull duplicates nothing (Ledger)', async () => {
    await add('follow-killed');
    const child = spawn(process.execPath, [SLUICE, 'pull', 'follow-killed', '--follow', '--commit-interval', '100ms'], {
      env: { ...process.env, DATABASE_URL: env.store.databaseUrl, SLUICE_SECRET_KEY: TEST_SECRET_KEY.toString('base64') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const firstCommit = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('committed') && resolve()));
    const following = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => d.toString().includes('following') && resolve()));
    const exited = new Promise((resolve) => child.on('close', resolve));
    await Promise.race([following, exited]);
    await publish('follow-killed/a', range(0, 50));
    await firstCommit;
    const more = publish('follow-killed/a', range(50, 300));
    child.kill('SIGKILL');
    await Promise.all([more, exited]);
    await pullUntilCaughtUp({ store: env.store.ingest, dataset: defaultWorkspaceKey('follow-killed'), options: { idleTimeoutMs: TEST_IDLE_MS } });
    const values = (await committedRows(env.store, 'follow-killed')).map((r) => Number(r.value));
    expect(new Set(values).size).toBe(300);
    expect(values.length).toBe(300);
    expect((await verifyDataset(env.store, defaultWorkspaceKey('follow-killed'))).problems).toEqual([]);
  });
});
