import { describe, expect, it } from 'vitest';
import { benchFields, benchPayload, BENCH_FIELDS } from '../../../bench/support';
import { mqttSourceConfig } from '../../../lib/ingest/mqtt-source-config';
import type { DatasetHead, IngestStore, SliceCommit } from '../../../lib/ingest/ports';
import { qos2MessageDigest } from '../../../lib/mqtt/qos2-receipts';
import { ReadAheadPacker, readAheadPlan, ReadAheadResults } from '../../../lib/ingest/read/read-ahead';
import { batchesOf, configureSchema, SliceWriter, stateSignature } from '../../../lib/ingest/slice-writer';
import { parseManifest } from '../../../lib/odf/parse-manifest';
import { mqttManifest } from '../../support/manifests';

const snapshot = parseManifest(
  mqttManifest({ name: 'w', port: 1883, topics: [{ path: 'w/#', qos: 'AtLeastOnce' }], fields: BENCH_FIELDS, merge: '        kind: Ledger\n        primaryKey: [event_time, device_id]' }),
);
const source = mqttSourceConfig(snapshot, () => undefined);

/**
 * What a commit writes depends only on the writer; this store records commits and knows nothing.
 * `transactions` gets the commits of each call: what one transaction applies.
 */
function recordingStore(commits: SliceCommit[], transactions: SliceCommit[][] = []): IngestStore {
  return {
    loadStagedRows: async () => [],
    findSeenKeyGroups: async () => [],
    readRows: async function* () {},
    replaceKeyState: async () => {},
    commit: async (...cs: SliceCommit[]) => {
      commits.push(...cs);
      transactions.push(cs);
    },
  } as unknown as IngestStore;
}

function head(stateSignature: string | null): DatasetHead {
  return { id: 'd', workspaceId: 'w', num: 1, name: 'w', snapshot, headHash: 'h', headSequence: 1, nextOffset: 0n, watermark: null, dataSchema: null, inferredReadSchema: null, stateSignature, mqttClientId: 'c', sessionTopics: null, snapshotScope: 'all', alwaysOn: false } as unknown as DatasetHead;
}

const messages = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ topic: 'w/a', payload: Buffer.from(benchPayload(from + i)), qos: 1 as const, retain: false, dup: false, messageId: from + i + 1, receivedAt: new Date() }));

describe('SliceWriter commits', () => {
  it('leave the key-state signature alone once the dataset records it (one statement less per commit)', async () => {
    const schema = configureSchema(source.readSchema!, source, head(null));
    for (const recorded of [stateSignature(schema.strategy), null]) {
      const commits: SliceCommit[] = [];
      const writer = new SliceWriter({ store: recordingStore(commits), clock: { now: () => new Date() }, head: head(recorded), source, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });
      // A null signature is rebuilt (replaceKeyState records the new one) before the first batch.
      await writer.start();
      for (const [i, publish] of [false, true].entries()) await writer.commit(await writer.prepare(messages(i * 10, 10) as never, [], publish));
      expect(commits.map((c) => c.keyState && 'signature' in c.keyState ? c.keyState.signature : 'none')).toEqual([undefined, undefined]);
      expect(commits.map((c) => c.keyState?.seen?.rowCount)).toEqual([10, 10]);
    }
  });
});

describe('SliceWriter reading', () => {
  // The read-ahead rows stand in for the payload only under the writer's own plan: a message whose
  // rows were read from another payload shows which one was used.
  async function committedDevice(readKey: (plan: string) => string): Promise<unknown> {
    const schema = configureSchema(source.readSchema!, source, head(null));
    const commits: SliceCommit[] = [];
    const writer = new SliceWriter({ store: recordingStore(commits), clock: { now: () => new Date() }, head: head(stateSignature(schema.strategy)), source, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });
    const plan = readAheadPlan(source.read, schema.readSchema, 1 << 20);
    const [m] = messages(0, 1);
    const packer = new ReadAheadPacker({ ...plan, key: readKey(plan.key) });
    packer.read({ ...m, payload: Buffer.from(m.payload.toString().replace('device-00000', 'ahead-00000')) });
    const readAhead = { results: new ReadAheadResults(packer.take()), index: 0 };
    await writer.commit(await writer.prepare([{ ...m, readAhead }] as never, [], true));
    return commits[0].slice!.rows[0].data[schema.layout.dataFields.findIndex((f) => f.name === 'device_id')];
  }

  it('takes a message\'s rows from the session thread when they were read under its own read step, schema and limit', async () => {
    expect(await committedDevice((key) => key)).toBe('ahead-00000');
  });

  it('reads the payload itself when the rows were read under another plan', async () => {
    expect(await committedDevice(() => 'another plan')).toBe('device-00000');
  });
});

describe('SliceWriter QoS 2 receipts', () => {
  it('keep a released packet id until the release is committed: a PUBLISH with it meanwhile is a redelivery, a PUBREL repeated meanwhile still has its receipt', async () => {
    const schema = configureSchema(source.readSchema!, source, head(null));
    const writer = new SliceWriter({ store: recordingStore([]), clock: { now: () => new Date() }, head: head(stateSignature(schema.strategy)), source, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });
    const [m] = messages(0, 1);
    const qos2 = { ...m, qos: 2 as const, messageId: 9 };
    await writer.commit(await writer.prepare([qos2] as never, [], false));
    expect(writer.receipts.has(9)).toBe(true);
    const release = await writer.prepare([], [9], false);
    expect(writer.receipts.has(9)).toBe(true);
    const redelivered = await writer.prepare([{ ...qos2, dup: true }] as never, [], false);
    expect(redelivered.commit.pull.add.duplicates).toBe(1);
    await writer.commit(release);
    expect(writer.receipts.has(9)).toBe(false);
    await writer.commit(redelivered);
  });

  it('keep the receipt of a new message whose id a PUBREL repeated in the same batch names (the broker released the id, then reused it)', async () => {
    const schema = configureSchema(source.readSchema!, source, head(null));
    const writer = new SliceWriter({ store: recordingStore([]), clock: { now: () => new Date() }, head: head(stateSignature(schema.strategy)), source, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });
    const [m] = messages(0, 1);
    const reused = await writer.prepare([{ ...m, qos: 2, messageId: 9 }] as never, [9], false);
    expect(reused.commit.qos2Receipts).toEqual({ add: [{ id: 9, digest: qos2MessageDigest(m) }], remove: [] });
    await writer.commit(reused);
    expect(writer.receipts.has(9)).toBe(true);
  });

  // A broker that lost its state but resumed the session (a restart) numbers its messages afresh.
  it('take a different message under a receipted id for a new one, and the same message for a redelivery', async () => {
    const schema = configureSchema(source.readSchema!, source, head(null));
    const writer = new SliceWriter({ store: recordingStore([]), clock: { now: () => new Date() }, head: head(stateSignature(schema.strategy)), source, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });
    const [first, second] = messages(0, 2).map((m) => ({ ...m, qos: 2 as const, messageId: 9 }));
    await writer.commit(await writer.prepare([first] as never, [], false));
    // The same message again (no DUP: aedes resends without it) is a redelivery; another is new, and its receipt replaces the stale one.
    const next = await writer.prepare([first, second, second] as never, [], false);
    expect(next.commit.pull.add).toMatchObject({ duplicates: 2 });
    expect(next.commit.stage?.rows).toHaveLength(1);
    expect(next.commit.qos2Receipts).toEqual({ add: [{ id: 9, digest: qos2MessageDigest(second) }], remove: [] });
    expect(writer.receipts.get(9)).toBe(qos2MessageDigest(second));
  });

  it('take any message under a receipt stored before digests were kept for its redelivery, as before', async () => {
    const schema = configureSchema(source.readSchema!, source, head(null));
    const writer = new SliceWriter({ store: recordingStore([]), clock: { now: () => new Date() }, head: head(stateSignature(schema.strategy)), source, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });
    writer.receipts = new Map([[9, null]]);
    const [m] = messages(0, 1);
    const next = await writer.prepare([{ ...m, qos: 2, messageId: 9 }] as never, [], false);
    expect(next.commit.pull.add).toMatchObject({ duplicates: 1 });
    expect(next.commit.qos2Receipts.add).toEqual([]);
  });
});

describe('SliceWriter with a message of many rows', () => {
  it('takes a message of 160,000 records (spreading its rows into the batch overflowed the stack past ~150,000)', async () => {
    const manifest = parseManifest(mqttManifest({ name: 'm', port: 1883, topics: [{ path: 'm/#', qos: 'AtLeastOnce' }], fields: benchFields(1), merge: '        kind: Append' }));
    const wide = mqttSourceConfig(manifest, () => undefined);
    const h: DatasetHead = { ...head(null), snapshot: manifest };
    const schema = configureSchema(wide.readSchema!, wide, h);
    const commits: SliceCommit[] = [];
    const writer = new SliceWriter({ store: recordingStore(commits), clock: { now: () => new Date() }, head: h, source: wide, schema, pullId: 'p', maxPayloadBytes: 1 << 24 });
    const payload = Array.from({ length: 160_000 }, (_, i) => `{"event_time":"${new Date(Date.UTC(2026, 0, 1) + i).toISOString()}"}`).join('\n');
    const [m] = messages(0, 1);
    await writer.commit(await writer.prepare([{ ...m, topic: 'm/a', payload: Buffer.from(payload) }] as never, [], true));
    expect(commits[0].quarantine.map((q) => q.reason)).toEqual([]);
    expect(commits[0].slice!.rows).toHaveLength(160_000);
  });
});

/** A promise and what settles it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('SliceWriter key state while a commit is in flight', () => {
  it('sees the keys of a commit that lands while the next batch is looked up (the answer predates it)', async () => {
    const commits: SliceCommit[] = [];
    const landed = deferred<void>();
    const answer = deferred<never[]>();
    const lookupSent = deferred<void>();
    let lookups = 0;
    const store = {
      ...recordingStore(commits),
      // The second batch's lookup reads the store as it was when sent: without the first batch's keys.
      findSeenKeyGroups: (_: number, positions: bigint[]) => {
        if (commits.length === 0 && positions.length && lookups++ === 1) {
          lookupSent.resolve();
          return answer.promise;
        }
        return Promise.resolve([]);
      },
      commit: async (...cs: SliceCommit[]) => {
        await landed.promise;
        commits.push(...cs);
      },
    } as unknown as IngestStore;
    const schema = configureSchema(source.readSchema!, source, head(null));
    const writer = new SliceWriter({ store, clock: { now: () => new Date() }, head: head(stateSignature(schema.strategy)), source, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });
    const first = writer.commit(await writer.prepare(messages(0, 3) as never, [], false));
    // The same readings again (a redelivery), prepared while the first batch commits; that commit
    // lands before the lookup's answer, which was read before it.
    const second = writer.prepare(messages(0, 3) as never, [], false);
    await lookupSent.promise;
    landed.resolve();
    await first;
    answer.resolve([]);
    expect((await second).commit.stage?.rows ?? []).toHaveLength(0);
  });
});

describe('SliceWriter held batches', () => {
  const schema = configureSchema(source.readSchema!, source, head(null));
  const writerOn = (store: IngestStore) => new SliceWriter({ store, clock: { now: () => new Date() }, head: head(stateSignature(schema.strategy)), source, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });

  it('commit with the batch that publishes them, in its transaction, and are not staged: the slice holds their rows first', async () => {
    const transactions: SliceCommit[][] = [];
    const writer = writerOn(recordingStore([], transactions));
    await writer.hold(messages(0, 10) as never, []);
    await writer.hold(messages(10, 10) as never, []);
    expect(writer.holding).toBe(true);
    expect(transactions).toEqual([]);
    const published = await writer.prepare(messages(20, 10) as never, [], true);
    // Their messages are acknowledged after this commit: the run takes them from `held`, which
    // keeps only what an acknowledgement needs (not a pull's worth of payloads until its slice).
    expect(batchesOf(published).flatMap((b) => b.messages.map((m) => m.messageId))).toEqual(messages(0, 30).map((m) => m.messageId));
    expect(published.held![0].messages[0]).toEqual({ qos: 1, messageId: 1 });
    await writer.commit(published);
    expect(writer.holding).toBe(false);
    expect(transactions).toHaveLength(1);
    const [first, second, last] = transactions[0];
    expect([first.stage, second.stage, last.stage]).toEqual([undefined, undefined, undefined]);
    // No row was staged in the store, so the publish expects none to delete.
    expect(last.unstage).toBe(0);
    expect(last.slice!.rows.map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => BigInt(i)));
    // Each batch's seen keys start at its rows' offsets in the slice.
    expect([first, second, last].map((c) => c.keyState?.seen?.rowCount)).toEqual([10, 10, 10]);
    expect(writer.counters).toMatchObject({ messagesReceived: 30, rowsCommitted: 30, slices: 1 });
  });

  it('are staged by a batch committed before the slice (one with PUBRELs), in its transaction; the publish then unstages them all', async () => {
    const transactions: SliceCommit[][] = [];
    const writer = writerOn(recordingStore([], transactions));
    await writer.hold(messages(0, 10) as never, []);
    await writer.commit(await writer.prepare(messages(10, 10) as never, [7], false));
    expect(writer.holding).toBe(false);
    expect(transactions).toHaveLength(1);
    expect(transactions[0].map((c) => [c.stage?.position, c.stage?.rows.length])).toEqual([
      [0, 10],
      [10, 10],
    ]);
    await writer.hold(messages(20, 10) as never, []);
    await writer.commit(await writer.prepare(messages(30, 10) as never, [], true));
    const [held, last] = transactions[1];
    expect(held.stage).toBeUndefined();
    // The 20 rows staged in the store lead the slice; the held 10 follow them, then the last 10.
    expect(last.unstage).toBe(20);
    expect(last.slice!.rows).toHaveLength(40);
  });

  it('keep the writer from passing to another pull until a commit took them', async () => {
    const writer = writerOn(recordingStore([]));
    await writer.hold([] as never, []);
    expect(() => writer.nextPull('q')).toThrow(/held/);
  });
});

describe('SliceWriter system time', () => {
  it("is one per slice, taken at its first rows: rows without an event time get the slice's system time, whether their batch was staged or published", async () => {
    const manifest = parseManifest(
      mqttManifest({ name: 'n', port: 1883, topics: [{ path: 'n/#', qos: 'AtLeastOnce' }], fields: '            - name: device\n              type: String', merge: '        kind: Append' }),
    );
    const noEventTime = mqttSourceConfig(manifest, () => undefined);
    const h: DatasetHead = { ...head(null), snapshot: manifest };
    const schema = configureSchema(noEventTime.readSchema!, noEventTime, h);
    // Every reading of the clock is a second later than the one before.
    let tick = Date.UTC(2026, 0, 1);
    const clock = { now: () => new Date((tick += 1000)) };
    const commits: SliceCommit[] = [];
    const writer = new SliceWriter({ store: recordingStore(commits), clock, head: h, source: noEventTime, schema, pullId: 'p', maxPayloadBytes: 1 << 20 });
    const batch = (device: string) => [{ ...messages(0, 1)[0], topic: 'n/a', payload: Buffer.from(JSON.stringify({ device })) }];
    // A batch with nothing to stage (a PUBREL) sets no slice's time.
    await writer.commit(await writer.prepare([], [1], false));
    for (const [device, publish] of [['staged', false], ['published', true], ['next slice', true]] as const) await writer.commit(await writer.prepare(batch(device) as never, [], publish));
    const slices = commits.filter((c) => c.slice);
    expect(slices.map((c) => c.slice!.rows.map((r) => r.eventTime.getTime()))).toEqual([
      [slices[0].systemTime.getTime(), slices[0].systemTime.getTime()],
      [slices[1].systemTime.getTime()],
    ]);
    // The staged batch's time is the first slice's; the second slice has its own, later one.
    expect(commits.find((c) => c.stage)!.systemTime).toEqual(slices[0].systemTime);
    expect(slices[0].systemTime.getTime()).toBeGreaterThan(commits[0].systemTime.getTime());
    expect(slices[1].systemTime.getTime()).toBeGreaterThan(slices[0].systemTime.getTime());
  });
});
