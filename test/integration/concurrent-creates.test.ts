import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { DEFAULT_WORKSPACE_ID } from '../../lib/datasets/dataset-key';
import { createDeviceCredential } from '../../lib/devices/create-device-credential';
import { isSluiceError } from '../../lib/errors';
import type { Store } from '../../lib/store/open-store';
import { mqttManifest } from '../support/manifests';
import { createTestStore } from '../support/test-store';

let store: Store;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => store?.close());

/** What each of `n` concurrent calls ended with: 'ok', or the typed error's code ('INTERNAL' for anything untyped). */
async function outcomes(n: number, call: () => Promise<unknown>): Promise<string[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, call));
  return settled.map((s) => (s.status === 'fulfilled' ? 'ok' : isSluiceError(s.reason) ? s.reason.code : `INTERNAL: ${String(s.reason)}`)).sort();
}

describe('[STORE] concurrent creates of one name: one succeeds, the others are told the name exists', () => {
  it('datasets', async () => {
    const manifest = mqttManifest({ name: 'racing', port: 1883, topics: [{ path: 'racing/#', qos: 'AtLeastOnce' }] });
    expect(await outcomes(6, () => addDataset({ store, manifest }))).toEqual(['DATASET_EXISTS', 'DATASET_EXISTS', 'DATASET_EXISTS', 'DATASET_EXISTS', 'DATASET_EXISTS', 'ok']);
  });

  it('device credentials', async () => {
    const input = { name: 'gateway', allowedFilters: ['plant/#'], expiresAt: null };
    expect(await outcomes(4, () => createDeviceCredential({ devices: store.devices, workspaceId: DEFAULT_WORKSPACE_ID, input }))).toEqual(['DEVICE_EXISTS', 'DEVICE_EXISTS', 'DEVICE_EXISTS', 'ok']);
  });

  it('saved queries', async () => {
    const user = await store.prisma.user.create({ data: { id: 'racer', name: 'racer', email: 'racer@example.test' } });
    const save = () => store.savedQueries.save({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Daily', sql: 'SELECT 1', userId: user.id, mayReplace: () => false });
    expect(await outcomes(4, save)).toEqual(['SAVED_QUERY_EXISTS', 'SAVED_QUERY_EXISTS', 'SAVED_QUERY_EXISTS', 'ok']);
  });
});
