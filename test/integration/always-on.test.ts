import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { requireMemberAccess } from '../../lib/auth/member-access';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { getDatasetLive } from '../../lib/datasets/dataset-live';
import { ALWAYS_ON_PERMISSION, setAlwaysOn } from '../../lib/datasets/set-always-on';
import { isSluiceError } from '../../lib/errors';
import { startAlwaysOnRunner } from '../../lib/ingest/always-on-runner';
import { pullUntilCaughtUp } from '../../lib/ingest/pull-until-caught-up';
import { createAccounts } from '../support/accounts';
import { useBrokerAndStore } from '../support/broker-and-store';
import { committedRows } from '../support/committed-rows';
import { mqttManifest } from '../support/manifests';
import { TEST_SECRET_KEY } from '../support/test-store';
import { until } from '../support/until';

const env = useBrokerAndStore();

const reading = (i: number) => JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(), device: 'd', value: i });

describe('[STREAM] always-on datasets', () => {
  it('only maintainers may turn it on or off', async () => {
    const accounts = (['reader', 'editor', 'maintainer'] as const).map((role) => ({ email: `${role}-always-on@sluice.test`, password: 'a-long-password-1', role }));
    await createAccounts(env.store, TEST_SECRET_KEY, 'default', accounts);
    const access = async (email: string) => {
      const user = await env.store.prisma.user.findUniqueOrThrow({ where: { email } });
      return requireMemberAccess(env.store.workspaces, user.id, 'default', ALWAYS_ON_PERMISSION);
    };
    for (const a of accounts.slice(0, 2)) await expect(access(a.email)).rejects.toSatisfy((e) => isSluiceError(e, 'FORBIDDEN'));
    await expect(access(accounts[2].email)).resolves.toMatchObject({ role: 'maintainer' });
  });

  it('two workers stream it with one runner; pulls are refused with a clear message; turning it off stops the runner', async () => {
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'always', port: env.broker.port, topics: [{ path: 'always/#', qos: 'AtLeastOnce' }] }) });
    const dataset = defaultWorkspaceKey('always');
    const ds = (await env.store.datasets.find(dataset))!;
    const workers = [0, 1].map(() => startAlwaysOnRunner({ store: env.store.ingest, everyMs: 100 }));
    try {
      await setAlwaysOn(env.store, dataset, true);
      // Live (subscribed): the broker keeps the session's messages from now on.
      await until(async () => (await getDatasetLive(env.store, dataset)).connectedSince !== null);
      const publisher = await mqtt.connectAsync(env.broker.url);
      await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publishAsync('always/a', reading(i), { qos: 1 })));
      await publisher.endAsync();
      await until(async () => (await committedRows(env.store, 'always')).length === 50);

      // One runner across both workers: one pull running, however many rounds went by.
      const running = (await env.store.datasets.pulls(ds.id)).filter((p) => p.status === 'running');
      expect(running).toHaveLength(1);
      await expect(pullUntilCaughtUp({ store: env.store.ingest, dataset })).rejects.toThrow(/always on/);

      await setAlwaysOn(env.store, dataset, false);
      await until(async () => (await getDatasetLive(env.store, dataset)).streamingSince === null);
      expect((await env.store.datasets.pulls(ds.id))[0]).toMatchObject({ status: 'updated', rowsCommitted: 50 });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('a run that keeps failing is tried again less and less often (not every 10 s for as long as it stays always on)', async () => {
    const store = Object.create(env.store.ingest, { alwaysOnDatasets: { value: async () => [defaultWorkspaceKey('never-created')] } }) as typeof env.store.ingest;
    const lines: string[] = [];
    const runner = startAlwaysOnRunner({ store, everyMs: 10, retryAfterFailureMs: 20, log: (line) => lines.push(line) });
    const failures = () => lines.filter((l) => l.includes('never-created failed'));
    try {
      await until(async () => failures().length >= 4);
    } finally {
      await runner.stop();
    }
    expect(failures().slice(0, 4).map((l) => Number(/trying again in ([\d.]+) s/.exec(l)?.[1]))).toEqual([0.02, 0.04, 0.08, 0.16]);
  });

  it("logs a failure of its store in one line (Prisma's messages span several)", async () => {
    const store = Object.create(env.store.ingest, { alwaysOnDatasets: { value: () => env.store.prisma.$queryRawUnsafe('SELECT * FROM no_such_table') } }) as typeof env.store.ingest;
    const lines: string[] = [];
    const runner = startAlwaysOnRunner({ store, everyMs: 10, log: (line) => lines.push(line) });
    try {
      await until(async () => lines.length >= 1);
    } finally {
      await runner.stop();
    }
    expect(lines[0]).toMatch(/^looking for always-on datasets failed: Invalid `prisma\.\$queryRawUnsafe\(\)` invocation: .*relation "no_such_table" does not exist/);
    expect(lines[0]).not.toMatch(/\n/);
  });

  it('a Snapshot dataset cannot be made always on', async () => {
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'always-snapshot', port: env.broker.port, topics: [{ path: 'snap/#' }], merge: '        kind: Snapshot\n        primaryKey: [device]' }) });
    await expect(setAlwaysOn(env.store, defaultWorkspaceKey('always-snapshot'), true)).rejects.toThrow(/Snapshot/);
  });
});
