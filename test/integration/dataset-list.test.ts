import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { getDatasetOverview } from '../../lib/datasets/dataset-overview';
import { listDatasetRows } from '../../lib/datasets/list-dataset-rows';
import { setSnapshotScope } from '../../lib/datasets/set-snapshot-scope';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import type { Store } from '../../lib/store/open-store';
import { mqttManifest } from '../support/manifests';
import { createTestStore } from '../support/test-store';

let store: Store;
beforeAll(async () => {
  store = await createTestStore();
  await store.prisma.organization.create({ data: { id: 'acme-id', name: 'Acme', slug: 'acme' } });
  const manifest = (name: string) => mqttManifest({ name, port: 1883, topics: [{ path: `t/${name}` }] });
  await addDataset({ store, manifest: manifest('zeta') });
  await addDataset({ store, manifest: manifest('alpha') });
  await addDataset({ store, manifest: manifest('acme/gamma'), workspaceFor: async () => ({ id: 'acme-id', slug: 'acme' }) });
  const alpha = (await store.datasets.find(defaultWorkspaceKey('alpha')))!;
  for (const [id, status, minute] of [['p2', 'failed', 2], ['p1', 'updated', 1]] as const) {
    await store.ingest.startPull(alpha.id, id);
    await store.ingest.finishPull(id, { status, hasMore: false, ...(status === 'failed' ? { errorCode: 'BROKER_UNREACHABLE', error: 'refused' } : {}) });
    await store.prisma.pull.update({ where: { id }, data: { startedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)) } });
  }
});
afterAll(() => store?.close());

describe('[store] the dataset list (sluice list, the workspace page)', () => {
  it('lists every dataset by workspace slug then name, with its workspace, rows, manifest and newest pull', async () => {
    const all = await store.datasets.list();
    expect(all.map((d) => `${d.workspace}/${d.name}`)).toEqual(['acme/gamma', 'default/alpha', 'default/zeta']);
    const alpha = all[1];
    expect(alpha.key).toEqual({ workspaceId: 'default', name: 'alpha' });
    expect(alpha.rows).toBe(0n);
    expect(alpha.watermark).toBeNull();
    expect(alpha.dataSchema).toBeNull();
    expect(alpha.snapshot.name).toBe('alpha');
    expect(alpha.headSequence).toBeGreaterThan(0);
    // The newest by start time, not the last recorded.
    expect(alpha.lastPull).toMatchObject({ startedAt: new Date(Date.UTC(2026, 0, 1, 0, 2)), status: 'failed', error: 'refused' });
    expect(alpha.lastPull!.endedAt).toBeInstanceOf(Date);
    expect(all[2].lastPull).toBeNull();
  });

  it("lists one workspace's datasets when given its id", async () => {
    expect((await store.datasets.list('acme-id')).map((d) => d.name)).toEqual(['gamma']);
    expect((await store.datasets.list('default')).map((d) => d.name)).toEqual(['alpha', 'zeta']);
  });
});

describe('[store] what the list and a pull say about datasets Sluice does not pull', () => {
  const push = `kind: DatasetSnapshot
version: 1
content:
  name: pushed
  kind: Root
  metadata:
    - kind: AddPushSource
      sourceName: devices
      read: {kind: NdJson, schema: ["event_time TIMESTAMP", "value DOUBLE"]}
      merge: {kind: Append}
`;
  const derivative = `kind: DatasetSnapshot
version: 1
content:
  name: derived
  kind: Derivative
  metadata:
    - kind: SetTransform
      inputs: [{datasetRef: alpha}, {datasetRef: zeta, alias: z}]
      transform: {kind: Sql, engine: datafusion, query: "SELECT * FROM alpha"}
`;
  const snapshot = mqttManifest({ name: 'states', port: 1883, topics: [{ path: 't/states/+' }], merge: '        kind: Snapshot\n        primaryKey: [device]' });

  it('shows each kind (root/derivative, polling/push) with its source and merge, and a per-topic Snapshot as such', async () => {
    await addDataset({ store, manifest: push });
    await addDataset({ store, manifest: derivative });
    await addDataset({ store, manifest: snapshot, snapshotScope: 'topic' });
    const rows = new Map((await listDatasetRows(store.datasets, 'default')).map((r) => [r.name, r]));
    expect(rows.get('pushed')).toMatchObject({ kind: 'root, push', broker: 'push: devices', merge: 'Append' });
    expect(rows.get('derived')).toMatchObject({ kind: 'derivative', broker: 'from: alpha, zeta', merge: 'transform (datafusion)' });
    expect(rows.get('alpha')).toMatchObject({ kind: 'root, polling', broker: 'mqtt://127.0.0.1:1883', merge: 'Ledger' });
    expect(rows.get('states')).toMatchObject({ merge: 'Snapshot (per topic)' });
    await setSnapshotScope(store, defaultWorkspaceKey('states'), 'pull');
    expect((await store.datasets.find(defaultWorkspaceKey('states')))!.snapshotScope).toBe('pull');
  });

  it('refuses the topic scope for a dataset that does not merge by Snapshot', async () => {
    await expect(setSnapshotScope(store, defaultWorkspaceKey('alpha'), 'topic')).rejects.toThrow('the snapshot scope "topic" applies to Snapshot merges; "alpha" merges by Ledger');
    await expect(addDataset({ store, manifest: mqttManifest({ name: 'ledger2', port: 1883, topics: [{ path: 't' }] }), snapshotScope: 'topic' })).rejects.toThrow('applies to Snapshot merges');
    expect(await store.datasets.find(defaultWorkspaceKey('ledger2'))).toBeUndefined();
  });

  it('runPollingIngest says what is true: push sources receive data from devices, derivative transforms are not run', async () => {
    const pull = (name: string) => runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name) });
    await expect(pull('pushed')).rejects.toThrow('has a push source (AddPushSource "devices"): devices send its data to Sluice\'s device endpoint, nothing is pulled from a broker');
    await expect(pull('derived')).rejects.toThrow('is derivative (SetTransform over alpha, z): its data is computed from its inputs, not pulled. Sluice does not run derivative transforms yet');
    // The console's overview says the same.
    expect((await getDatasetOverview(store, defaultWorkspaceKey('pushed'))).notPulled).toContain('has a push source (AddPushSource "devices")');
    expect((await getDatasetOverview(store, defaultWorkspaceKey('alpha'))).notPulled).toBeNull();
  });
});
