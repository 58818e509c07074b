import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { inboxFollower, type InboxPreviewEvent } from '../../lib/devices/inbox-preview';
import type { Store } from '../../lib/store/open-store';
import { until } from '../support/device-endpoint';
import { mqttManifest, pushManifest } from '../support/manifests';
import { createTestStore } from '../support/test-store';

let store: Store;
beforeAll(async () => {
  store = await createTestStore();
  await addDataset({ store, manifest: pushManifest('watched') });
  await addDataset({ store, manifest: mqttManifest({ name: 'pulled', port: 1883, topics: [{ path: 'pulled/#' }] }) });
});
afterAll(() => store?.close());

describe('[DEVICES] the live preview of a push dataset\'s inbox', () => {
  it('sends the inbox\'s latest messages, then each commit as it lands, with the backlog and without the sender', async () => {
    const ds = (await store.datasets.find(defaultWorkspaceKey('watched')))!;
    const message = (n: number) => ({ workspaceId: 'default', datasetId: ds.id, credentialId: 'secret-credential-id', topic: `watched/d${n}`, payload: Buffer.from(`{"n":${n}}`), qos: 1 as const, receivedAt: new Date() });
    await store.devices.appendInbox({ messages: [message(1)], receipts: [], releases: [] });
    const events: InboxPreviewEvent[] = [];
    const follow = await inboxFollower(store, defaultWorkspaceKey('watched'));
    const stop = await follow((e) => events.push(e), (err) => { throw err; });
    try {
      await until(() => events.some((e) => e.messages.length));
      expect(events[0]).toMatchObject({ backlog: 1, messages: [{ topic: 'watched/d1', qos: 1, payload: Buffer.from('{"n":1}').toString('base64') }] });
      await store.devices.appendInbox({ messages: [message(2), message(3)], receipts: [], releases: [] });
      await until(() => events.flatMap((e) => e.messages).length === 3);
      expect(events.flatMap((e) => e.messages).map((m) => m.topic)).toEqual(['watched/d1', 'watched/d2', 'watched/d3']);
      expect(events.at(-1)!.backlog).toBe(3);
      expect(JSON.stringify(events)).not.toContain('secret-credential-id');
    } finally {
      stop();
    }
  });

  it('refuses a dataset devices do not publish to', async () => {
    await expect(inboxFollower(store, defaultWorkspaceKey('pulled'))).rejects.toThrow(/no push source/);
  });
});
