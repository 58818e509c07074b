import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { DEFAULT_WORKSPACE, DEFAULT_WORKSPACE_ID, defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { inboxFollower, type InboxPreviewEvent, type PreviewReader } from '../../lib/devices/inbox-preview';
import type { Store } from '../../lib/store/open-store';
import { until } from '../support/until';
import { mqttManifest, pushManifest } from '../support/manifests';
import { createTestStore } from '../support/test-store';

let store: Store;
let readerId: string;
let reader: PreviewReader;
beforeAll(async () => {
  store = await createTestStore();
  readerId = randomUUID();
  await store.prisma.user.create({ data: { id: readerId, name: 'reader', email: `reader-${readerId.slice(0, 8)}@example.test` } });
  await store.workspaces.addMember(DEFAULT_WORKSPACE_ID, readerId, 'reader');
  reader = { userId: readerId, workspaceSlug: DEFAULT_WORKSPACE, sessionAccount: async () => readerId };
  await addDataset({ store, manifest: pushManifest('watched') });
  await addDataset({ store, manifest: pushManifest('packed') });
  await addDataset({ store, manifest: mqttManifest({ name: 'pulled', port: 1883, topics: [{ path: 'pulled/#' }] }) });
});
afterAll(() => store?.close());

describe('[DEVICES] the live preview of a push dataset\'s inbox', () => {
  it('sends the inbox\'s latest messages, then each commit as it lands, with the backlog and without the sender', async () => {
    const ds = (await store.datasets.find(defaultWorkspaceKey('watched')))!;
    const message = (n: number) => ({ workspaceId: 'default', datasetId: ds.id, credentialId: 'secret-credential-id', topic: `watched/d${n}`, payload: Buffer.from(`{"n":${n}}`), qos: 1 as const, receivedAt: new Date() });
    await store.devices.appendInbox({ messages: [message(1)], receipts: [], releases: [] });
    const events: InboxPreviewEvent[] = [];
    const follow = await inboxFollower(store, defaultWorkspaceKey('watched'), reader);
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
    await expect(inboxFollower(store, defaultWorkspaceKey('pulled'), reader)).rejects.toThrow(/no push source/);
  });

  it('ends the stream of a reader removed from the workspace, and refuses them a new one', async () => {
    const outsiderId = randomUUID();
    await store.prisma.user.create({ data: { id: outsiderId, name: 'outsider', email: `outsider-${outsiderId.slice(0, 8)}@example.test` } });
    await expect(inboxFollower(store, defaultWorkspaceKey('watched'), { userId: outsiderId, workspaceSlug: DEFAULT_WORKSPACE, sessionAccount: async () => outsiderId })).rejects.toThrow(/no workspace/);

    const leaverId = randomUUID();
    await store.prisma.user.create({ data: { id: leaverId, name: 'leaver', email: `leaver-${leaverId.slice(0, 8)}@example.test` } });
    await store.workspaces.addMember(DEFAULT_WORKSPACE_ID, leaverId, 'reader');
    const leaver = { userId: leaverId, workspaceSlug: DEFAULT_WORKSPACE, sessionAccount: async () => leaverId };
    const follow = await inboxFollower(store, defaultWorkspaceKey('watched'), leaver);
    let ended: Error | undefined;
    let events = 0;
    const stop = await follow(() => events++, (err) => (ended = err));
    try {
      await until(() => events > 0);
      await store.prisma.member.deleteMany({ where: { userId: leaverId } });
      await until(() => ended !== undefined);
      expect(ended!.message).toMatch(/no workspace/);
      const after = events;
      const ds = (await store.datasets.find(defaultWorkspaceKey('watched')))!;
      await store.devices.appendInbox({ messages: [{ workspaceId: 'default', datasetId: ds.id, credentialId: 'c', topic: 'watched/late', payload: Buffer.from('{}'), qos: 1, receivedAt: new Date() }], receipts: [], releases: [] });
      // A reader still allowed sees the late message; the removed one got nothing more.
      const seen: InboxPreviewEvent[] = [];
      const stopWatching = await (await inboxFollower(store, defaultWorkspaceKey('watched'), reader))((e) => seen.push(e), (err) => { throw err; });
      await until(() => seen.flatMap((e) => e.messages).some((m) => m.topic === 'watched/late'));
      stopWatching();
      expect(events).toBe(after);
    } finally {
      stop();
    }
  });

  it('ends the stream of a reader whose session ended (signed out), though still a member', async () => {
    let session: string | undefined = readerId;
    const follow = await inboxFollower(store, defaultWorkspaceKey('watched'), { ...reader, sessionAccount: async () => session });
    let ended: Error | undefined;
    let events = 0;
    const stop = await follow(() => events++, (err) => (ended = err));
    try {
      await until(() => events > 0);
      session = undefined;
      await until(() => ended !== undefined);
      expect(ended!.message).toMatch(/sign in/);
    } finally {
      stop();
    }
  });

  it('a watch after the listening connection was lost is notified again (a new connection, not the dead one)', async () => {
    const ds = (await store.datasets.find(defaultWorkspaceKey('watched')))!;
    const listeners = async () => (await store.prisma.$queryRawUnsafe(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN sluice_device_inbox'`)) as { n: number }[];
    const first = await store.devices.watchInbox(ds.id, () => undefined);
    try {
      await until(async () => (await listeners())[0].n === 1);
      await store.prisma.$queryRawUnsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN sluice_device_inbox'`);
      await until(async () => (await listeners())[0].n === 0);
      let notified = false;
      // This process learns of the loss when its socket closes, which can come after the server has
      // dropped the backend: a watch made in between still joins the dead connection (its stream
      // reads the backlog every 2 s meanwhile). Once the loss is known, a watch opens a new one.
      let second = await store.devices.watchInbox(ds.id, () => (notified = true));
      await until(async () => {
        if ((await listeners())[0].n === 1) return true;
        second();
        second = await store.devices.watchInbox(ds.id, () => (notified = true));
        return false;
      });
      try {
        await store.devices.appendInbox({ messages: [{ workspaceId: 'default', datasetId: ds.id, credentialId: 'c', topic: 'watched/after-loss', payload: Buffer.from('{}'), qos: 1, receivedAt: new Date() }], receipts: [], releases: [] });
        await until(() => notified);
      } finally {
        second();
      }
    } finally {
      first();
    }
  });
});

describe('[DEVICES] the inbox insert (payloads packed in one binary parameter)', () => {
  it('stores every row of a batch byte for byte and in order: empty, binary and multi-byte payloads, non-ASCII topics, ms times', async () => {
    const ds = (await store.datasets.find(defaultWorkspaceKey('packed')))!;
    const rows = [
      { topic: 'packed/ä/😀', payload: Buffer.alloc(0), at: Date.UTC(2026, 0, 1, 0, 0, 0, 1) },
      { topic: 'packed/bin', payload: Buffer.from([0, 255, 92, 34, 123, 44, 125, 0]), at: Date.UTC(2026, 0, 1, 0, 0, 0, 999) },
      { topic: 'packed/text', payload: Buffer.from('{"t":"ünïcödé \\ \\"quoted\\""}'), at: Date.UTC(2030, 5, 6, 7, 8, 9, 123) },
      ...Array.from({ length: 50 }, (_, i) => ({ topic: `packed/d${i % 7}`, payload: Buffer.alloc(i * 37, i), at: Date.UTC(2026, 0, 2) + i })),
    ];
    await store.devices.appendInbox({
      messages: rows.map((r, i) => ({ workspaceId: 'default', datasetId: ds.id, credentialId: `cred-${i % 3}`, topic: r.topic, payload: r.payload, qos: (i % 3) as 0 | 1 | 2, receivedAt: new Date(r.at) })),
      receipts: [],
      releases: [],
    });
    const stored = await store.devices.inboxMessages(ds.id, undefined, 100);
    expect(stored.map((m) => ({ topic: m.topic, payload: m.payload.toString('hex'), qos: m.qos, at: m.receivedAt.getTime() }))).toEqual(
      rows.map((r, i) => ({ topic: r.topic, payload: r.payload.toString('hex'), qos: i % 3, at: r.at })),
    );
    const credentials = await store.prisma.deviceInboxMessage.findMany({ where: { datasetId: ds.id }, orderBy: { id: 'asc' }, select: { credentialId: true, workspaceId: true } });
    expect(credentials).toEqual(rows.map((_, i) => ({ credentialId: `cred-${i % 3}`, workspaceId: 'default' })));
  });
});
