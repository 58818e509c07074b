import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { foldInbox } from '../../lib/ingest/fold-inbox';
import { startInboxFolder } from '../../lib/ingest/inbox-folder';
import type { InboxRow } from '../../lib/ingest/ports';
import { pullUntilCaughtUp } from '../../lib/ingest/pull-until-caught-up';
import type { Store } from '../../lib/store/open-store';
import { startDemoPushDevice, DEMO_PUSH_DATASET, DEMO_PUSH_DATASET_NAME } from '../../lib/demo/demo-push';
import { startDeviceEndpoint } from '../../lib/device-endpoint/device-endpoint';
import { committedRows } from '../support/committed-rows';
import { pushManifest } from '../support/manifests';
import { createTestStore } from '../support/test-store';
import { until } from '../support/until';

let store: Store;
beforeAll(async () => {
  store = await createTestStore();
  await addDataset({ store, manifest: pushManifest('readings', { merge: '        kind: Ledger\n        primaryKey: [event_time, device]' }) });
});
afterAll(() => store?.close());

async function deliver(name: string, payloads: string[]): Promise<void> {
  const ds = (await store.datasets.find(defaultWorkspaceKey(name)))!;
  await store.devices.appendInbox({
    messages: payloads.map((p) => ({ workspaceId: 'default', datasetId: ds.id, credentialId: 'c', topic: `${name}/d1`, payload: Buffer.from(p), qos: 1, receivedAt: new Date() })),
    receipts: [],
    releases: [],
  });
}

const reading = (device: string, value: number, second = 0) => JSON.stringify({ event_time: `2026-01-01T00:00:0${second}Z`, device, value });

describe('[PUSH] folding a push dataset\'s inbox into its chain', () => {
  it('folds each message exactly once, merged by the push source, quarantining what does not read', async () => {
    await deliver('readings', [reading('a', 1), reading('b', 2), 'not json']);
    const r = await pullUntilCaughtUp({ store: store.ingest, dataset: defaultWorkspaceKey('readings') });
    expect(r).toMatchObject({ status: 'updated', messagesReceived: 3, rowsCommitted: 2, quarantined: 1 });
    // The Ledger merge has seen a's key: a device repeating it adds nothing.
    await deliver('readings', [reading('a', 1)]);
    expect(await foldInbox({ store: store.ingest, dataset: defaultWorkspaceKey('readings') })).toMatchObject({ messagesReceived: 1, rowsCommitted: 0 });
    expect((await committedRows(store, 'readings')).map((row) => [row.device, row.value])).toEqual([['a', 1], ['b', 2]]);
    const ds = (await store.datasets.find(defaultWorkspaceKey('readings')))!;
    expect(await store.devices.inboxBacklog(ds.id)).toBe(0);
    expect(await store.prisma.quarantinedMessage.count({ where: { datasetId: ds.id } })).toBe(1);
    // Nothing left: a second fold changes nothing.
    expect(await foldInbox({ store: store.ingest, dataset: defaultWorkspaceKey('readings') })).toMatchObject({ status: 'up_to_date', messagesReceived: 0 });
  });

  it('a QoS 1 message stored twice (resent after a lost PUBACK) in one fold batch is one Ledger row', async () => {
    await deliver('readings', [reading('twice', 7, 2), reading('twice', 7, 2)]);
    expect(await foldInbox({ store: store.ingest, dataset: defaultWorkspaceKey('readings') })).toMatchObject({ messagesReceived: 2, rowsCommitted: 1, duplicates: 1 });
    expect((await committedRows(store, 'readings')).filter((row) => row.device === 'twice')).toHaveLength(1);
  });

  it('refuses a commit holding inbox messages another fold already took, and commits nothing', async () => {
    await deliver('readings', [reading('c', 3, 1)]);
    const ds = (await store.datasets.find(defaultWorkspaceKey('readings')))!;
    const taken: InboxRow[] = await store.ingest.loadInbox(ds.id, 10);
    await foldInbox({ store: store.ingest, dataset: defaultWorkspaceKey('readings') });
    const before = await committedRows(store, 'readings');
    // A fold that read the same rows before they were folded (the lease prevents it; the commit checks it too).
    const stale = Object.create(store.ingest) as Store['ingest'];
    stale.loadInbox = async (_id, limit) => (limit === 1 ? [] : taken);
    await expect(foldInbox({ store: stale, dataset: defaultWorkspaceKey('readings') })).rejects.toThrow(/folded elsewhere/);
    expect(await committedRows(store, 'readings')).toEqual(before);
    expect(before.filter((row) => row.device === 'c')).toHaveLength(1);
  });
});

describe('[PUSH] a push dataset pulled with a record cap', () => {
  it('folds at most --record-cap messages a fold, and as many folds as the inbox needs', async () => {
    await addDataset({ store, manifest: pushManifest('capped', { merge: '        kind: Append' }) });
    await deliver('capped', Array.from({ length: 25 }, (_, i) => reading('d', i)));
    const r = await pullUntilCaughtUp({ store: store.ingest, dataset: defaultWorkspaceKey('capped'), options: { recordCap: 10 } });
    expect(r).toMatchObject({ messagesReceived: 25, rowsCommitted: 25, pulls: 3 });
  });
});

describe('[PUSH] a fold reads its inbox in batches bounded by bytes', () => {
  it('folds 12 messages of 512 kB in batches of at most 2 MiB (four messages), one slice each, all of them once', async () => {
    await addDataset({ store, manifest: pushManifest('heavy', { merge: '        kind: Append' }) });
    const padded = (i: number) => JSON.stringify({ ...JSON.parse(reading('d', i)), pad: 'x'.repeat(512 * 1024) });
    await deliver('heavy', Array.from({ length: 12 }, (_, i) => padded(i)));
    const ds = (await store.datasets.find(defaultWorkspaceKey('heavy')))!;
    expect(await store.ingest.loadInbox(ds.id, 2500, 2 * 1024 * 1024)).toHaveLength(4);
    const r = await pullUntilCaughtUp({ store: store.ingest, dataset: defaultWorkspaceKey('heavy'), options: { maxPayloadBytes: 1 << 20 } });
    expect(r).toMatchObject({ messagesReceived: 12, rowsCommitted: 12 });
    expect(r.slices).toBeGreaterThanOrEqual(3);
  });
});

describe('[PUSH] the inbox folder', () => {
  it('tries a dataset whose fold failed again after a growing wait, not every round, and folds it once it can', async () => {
    await addDataset({ store, manifest: pushManifest('failing-fold', { merge: '        kind: Append' }) });
    const ds = (await store.datasets.find(defaultWorkspaceKey('failing-fold')))!;
    await deliver('failing-fold', [reading('a', 1)]);
    const attempts: number[] = [];
    let failing = true;
    // The store as the folder sees it: reading this dataset's inbox fails until `failing` is lifted.
    const flaky = new Proxy(store.ingest, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        if (key !== 'loadInbox') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<typeof target.loadInbox>) => {
          if (args[0] === ds.id) {
            attempts.push(Date.now());
            if (failing) throw new Error('inbox unreadable');
          }
          return target.loadInbox(...args);
        };
      },
    });
    const lines: string[] = [];
    const folder = startInboxFolder({ store: flaky, everyMs: 10, retryAfterFailureMs: 100, log: (line) => lines.push(line) });
    try {
      await until(() => attempts.length >= 3);
      // Rounds come every 10 ms; before, each one folded it again (and recorded a failed pull).
      expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(100);
      expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(200);
      expect(lines[0]).toBe('folding the inbox of failing-fold failed: inbox unreadable; trying again in 0.1 s');
      failing = false;
      await until(async () => (await committedRows(store, 'failing-fold')).length === 1);
    } finally {
      await folder.stop();
    }
  });
});

describe('[PUSH] arrival order', () => {
  it('folds messages in the order they arrived, across inbox ids of different lengths (9 → 10, 99 → 100)', async () => {
    await addDataset({ store, manifest: pushManifest('ordered', { merge: '        kind: Append' }) });
    await deliver('ordered', Array.from({ length: 120 }, (_, i) => JSON.stringify({ event_time: '2026-01-01T00:00:00Z', device: 'd', value: i })));
    await pullUntilCaughtUp({ store: store.ingest, dataset: defaultWorkspaceKey('ordered') });
    expect((await committedRows(store, 'ordered')).map((row) => row.value)).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });
});

describe('[PUSH] the embedded default\'s demo push device', () => {
  it('publishes through the device endpoint into the demo push dataset, whose fold commits its readings', async () => {
    const endpoint = await startDeviceEndpoint({ store: store.devices, port: 0, wsPort: 0 });
    const device = await startDemoPushDevice({ store, endpointUrl: endpoint.url });
    try {
      const ds = (await store.datasets.find(DEMO_PUSH_DATASET))!;
      while ((await store.devices.inboxBacklog(ds.id)) === 0) await new Promise((r) => setTimeout(r, 50));
      const r = await pullUntilCaughtUp({ store: store.ingest, dataset: DEMO_PUSH_DATASET });
      expect(r.rowsCommitted).toBeGreaterThan(0);
      expect((await committedRows(store, DEMO_PUSH_DATASET_NAME))[0]).toMatchObject({ device_id: 'greenhouse-3' });
    } finally {
      await device.stop();
      await endpoint.close();
    }
  });
});
