import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
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
