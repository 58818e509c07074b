import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUICE, sluice, sluiceStdin } from '../support/cli';
import { startMosquitto, type MosquittoServer } from '../support/mosquitto-server';
import { createTestDatabase, TEST_SECRET_KEY } from '../support/test-store';
import { committedLayout } from '../../lib/datasets/dataset-layout';
import { sliceArrowSegment } from '../../lib/ingest/slice-arrow';
import { decodeSliceSegment } from '../../lib/ingest/slice-arrow-reader';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/manifests');
let broker: MosquittoServer;
let db: string;
let tmp: string;

beforeAll(async () => {
  [broker, db] = await Promise.all([startMosquitto(), createTestDatabase()]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-'));
});
afterAll(async () => {
  await broker?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Kamu's own examples/mqtt/temp.yaml, pointed at the test broker. */
function kamuExample(): string {
  const file = path.join(tmp, 'temp.yaml');
  fs.writeFileSync(file, fs.readFileSync(path.join(FIXTURES, 'kamu-temp.yaml'), 'utf8').replace('port: 1883', `port: ${broker.port}`));
  return file;
}

describe('[CLI] a Kamu user adds, pulls, inspects and exports a dataset', () => {
  it('imports Kamu\'s MQTT example unchanged and pulls what its publisher sent', async () => {
    const added = await sluice(db, 'add', kamuExample());
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/^added temp \(did:odf:fed01[0-9a-f]{64}\)/);
    expect(added.code).toBe(0);

    // Kamu's pub.py: ten retained QoS 1 readings on one topic; a subscriber sees the last one.
    const pub = await mqtt.connectAsync(broker.url);
    for (let i = 0; i < 10; i++) {
      await pub.publishAsync('dev.kamu.example.mqtt.temp', JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), value: i }), { qos: 1, retain: true });
    }
    await pub.endAsync();

    const pulled = await sluice(db, 'pull', 'temp');
    expect(pulled.stdout).toMatch(/^temp: updated to f1620[0-9a-f]{7}… \(1 messages, 1 rows, 0 quarantined/);
    expect(pulled.code).toBe(0);
    // A QoS 0 (AtMostOnce) filter is subscribed again on every pull, as Kamu does, so the retained
    // reading comes again; Ledger knows its key.
    const again = await sluice(db, 'pull', 'temp');
    expect(again.stdout).toMatch(/^temp: up to date \(1 messages, 0 rows/);
    expect(again.stdout).toContain('note: dev.kamu.example.mqtt.temp is subscribed at QoS 0: the broker keeps nothing published while no pull is connected');

    const log = await sluice(db, 'log', 'temp');
    expect(log.stdout.split('\n').slice(1, 5).map((l) => l.split(/\s+/)[3])).toEqual(['Seed', 'SetPollingSource', 'SetDataSchema', 'AddData']);

    const ndjson = await sluice(db, 'export', 'temp', '--format', 'ndjson');
    expect(ndjson.stdout).toBe(
      `{"offset":0,"op":0,"system_time":${JSON.stringify(JSON.parse(ndjson.stdout).system_time)},"event_time":"2026-01-01T00:09:00.000Z","value":9}\n`,
    );
    const csv = await sluice(db, 'export', 'temp', '--format', 'csv');
    expect(csv.stdout.split('\n')[0]).toBe('offset,op,system_time,event_time,value');
    expect(csv.stdout.split('\n')[1]).toMatch(/^0,0,\d{4}-\d\d-\d\dT[\d:.]+Z,2026-01-01T00:09:00.000Z,9$/);
    const parquetFile = path.join(tmp, 'temp.parquet');
    const parquet = await sluice(db, 'export', 'temp', '--format', 'parquet', '-o', parquetFile);
    expect(parquet.code).toBe(0);
    expect(fs.readFileSync(parquetFile).subarray(0, 4).toString()).toBe('PAR1');
    // A file it cannot write is said in a line (it was an unhandled 'error' event and a stack trace).
    const missing = path.join(tmp, 'missing', 'temp.csv');
    for (const format of ['csv', 'ndjson']) {
      expect(await sluice(db, 'export', 'temp', '--format', format, '-o', missing)).toMatchObject({ code: 64, stderr: `sluice: cannot write ${missing}: no such file or directory\n` });
    }
    // A reader that went away (`sluice export temp | head`, its end closed before sluice wrote): the
    // export ends there, quietly, as any Unix tool does (it printed "Error: write EPIPE" and a stack).
    const reader = spawn(process.execPath, [SLUICE, 'export', 'temp'], { env: { ...process.env, DATABASE_URL: db, SLUICE_SECRET_KEY: TEST_SECRET_KEY.toString('base64') }, stdio: ['ignore', 'pipe', 'pipe'] });
    reader.stdout.destroy();
    let readerErr = '';
    reader.stderr.on('data', (d) => (readerErr += d));
    const [readerCode] = (await once(reader, 'close')) as [number | null];
    expect({ code: readerCode, stderr: readerErr }).toEqual({ code: 0, stderr: '' });

    const verify = await sluice(db, 'verify', 'temp');
    expect(verify.stdout).toMatch(/^temp: ok \(4 blocks, 1 slices, 1 rows\)/);
    expect(verify.code).toBe(0);

    const list = await sluice(db, 'list');
    expect(list.stdout).toMatch(new RegExp(`temp\\s+root, polling\\s+mqtt://127.0.0.1:${broker.port}\\s+dev.kamu.example.mqtt.temp\\s+Ledger\\s+at-most-once\\s+1\\s+2026-01-01T00:09:00.000Z`));

    const manifest = await sluice(db, 'manifest', 'temp');
    expect(manifest.stdout).toContain('kind: Mqtt');
  });

  it("refuses a pull option the mode does not use, instead of ignoring it, and an interval of zero", async () => {
    expect(await sluice(db, 'pull', 'temp', '--commit-interval', '1s', '--batch-size', '10')).toMatchObject({ code: 64, stderr: 'sluice: --commit-interval, --batch-size apply only with --follow\n' });
    expect(await sluice(db, 'pull', 'temp', '--follow', '--max-duration', '5000', '--record-cap', '5', '--no-wait')).toMatchObject({
      code: 64,
      stderr: 'sluice: --record-cap, --max-duration, --no-wait: a follow run streams until it is stopped (its commits are set by --commit-interval and --batch-size)\n',
    });
    expect(await sluice(db, 'pull', 'temp', '--follow', '--commit-interval', '0')).toMatchObject({ code: 64, stderr: expect.stringContaining('"0" is too short: at least 1ms') });
  });

  it('refuses a second add of the same name, and replaces with --replace', async () => {
    const dup = await sluice(db, 'add', kamuExample());
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('dataset "temp" already exists in workspace "default" (use --replace');
    const replaced = await sluice(db, 'add', '--replace', kamuExample());
    expect(replaced.code).toBe(0);
  });

  it('reports a malformed manifest with its line and column and stores nothing', async () => {
    const r = await sluice(db, 'add', path.join(FIXTURES, 'invalid/unknown-key.yaml'));
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/line \d+, column \d+: unknown key/);
    const list = await sluice(db, 'list');
    expect(list.stdout.split('\n').filter(Boolean)).toHaveLength(2); // header + temp
  });

  it('keeps a non-MQTT manifest and says clearly that Sluice does not pull it', async () => {
    expect((await sluice(db, 'add', path.join(FIXTURES, 'fetch-url.yaml'))).code).toBe(0);
    const r = await sluice(db, 'pull', 'com.example.population');
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('fetches with Url; Sluice pulls only MQTT sources');
  });

  it('exits 66 for an unknown dataset and 64 for a usage error', async () => {
    expect((await sluice(db, 'pull', 'nope')).code).toBe(66);
    expect((await sluice(db, 'pull')).code).toBe(64);
    expect((await sluice(db, 'frobnicate')).code).toBe(64);
  });

  it('refuses a pull option no timer or cap can honour, naming it, before connecting (exit 64)', async () => {
    for (const [flag, value, says] of [
      ['--connect-timeout', '1e10', 'longer than a timer can wait'],
      ['--connect-timeout', '', 'is not a number of milliseconds'],
      ['--idle-timeout', '99999999999', 'longer than a timer can wait'],
      ['--byte-cap', '0', 'is not a positive whole number'],
      ['--byte-cap', 'NaN', 'is not a positive whole number'],
      ['--record-cap', '0x10', 'is not a positive whole number'],
      ['--commit-interval', '99999999999s', 'longer than a timer can wait'],
    ]) {
      const r = await sluice(db, 'pull', 'nope', flag, value);
      expect(r.code, `${flag} ${value}`).toBe(64);
      expect(r.stderr, `${flag} ${value}`).toContain(says);
    }
  });

  it("adds Kamu's account/name into that account's workspace, refuses an unknown one, and never crashes on a second add", async () => {
    const file = path.join(tmp, 'account.yaml');
    fs.writeFileSync(file, fs.readFileSync(kamuExample(), 'utf8').replace('name: temp', 'name: acme/temp'));
    const unknown = await sluice(db, 'add', file);
    expect(unknown.code).toBe(66);
    expect(unknown.stderr).toBe('sluice: no workspace "acme" (workspaces are created in the console)\n');

    const c = new pg.Client({ connectionString: db });
    await c.connect();
    await c.query(`INSERT INTO workspace (id, name, slug) VALUES ('acme-id', 'Acme', 'acme')`);
    await c.end();
    const added = await sluice(db, 'add', file);
    expect(added.stdout).toMatch(/^added acme\/temp \(did:odf:/);
    const manifest = await sluice(db, 'manifest', 'acme/temp');
    expect(manifest.code).toBe(0);
    expect(manifest.stdout).toContain('name: temp\n');
    // The default workspace's "temp" is another dataset.
    expect((await sluice(db, 'manifest', 'temp')).code).toBe(0);

    const again = await sluice(db, 'add', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('sluice: dataset "temp" already exists in workspace "acme" (use --replace to replace it)\n');
    const elsewhere = await sluice(db, 'add', '--workspace', 'default', file);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('places the dataset in account "acme", but --workspace is "default"');
    // A name with a slash names no dataset: not found, not another workspace's.
    expect((await sluice(db, 'manifest', 'default/acme/temp')).code).toBe(66);
  });

  it('verify fails when a committed row was altered', async () => {
    // Re-pull into the replaced dataset, then tamper with its only row.
    const pub = await mqtt.connectAsync(broker.url);
    await pub.publishAsync('dev.kamu.example.mqtt.temp', JSON.stringify({ event_time: '2026-02-01T00:00:00Z', value: 1 }), { qos: 1, retain: true });
    await pub.endAsync();
    expect((await sluice(db, 'pull', 'temp')).code).toBe(0);
    const c2 = new pg.Client({ connectionString: db });
    await c2.connect();
    // The slice's stored segment is its only copy: re-encode it with the row's value changed.
    const { rows: [s] } = await c2.query(
      `SELECT s.dataset_id, s.arrow, s.arrow_adler32, s.arrow_size, d.manifest, d.data_schema FROM data_slice s JOIN dataset d ON d.id = s.dataset_id WHERE d.name = 'temp' AND d.workspace_id = 'default'`,
    );
    const layout = committedLayout({ snapshot: s.manifest, dataSchema: s.data_schema })!;
    const rows = decodeSliceSegment({ deflated: s.arrow, adler32: Number(s.arrow_adler32), size: s.arrow_size }, layout).map((r) => ({ ...r, data: [2] }));
    const altered = sliceArrowSegment(rows, layout);
    await c2.query('UPDATE data_slice SET arrow = $2, arrow_adler32 = $3, arrow_size = $4 WHERE dataset_id = $1', [s.dataset_id, Buffer.from(altered.deflated), altered.adler32, altered.size]);
    await c2.end();
    const r = await sluice(db, 'verify', 'temp');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/slice \[0, 0\]: content hashes to f1620/);
  });
});

describe('[CLI] quarantine', () => {
  it('lists a payload that could not be read with its reason and bytes, and discards it', async () => {
    const pub = await mqtt.connectAsync(broker.url);
    await pub.publishAsync('dev.kamu.example.mqtt.temp', Buffer.from([0xde, 0xad, 0xbe, 0xef]), { qos: 1, retain: true });
    await pub.endAsync();
    const pulled = await sluice(db, 'pull', 'temp');
    expect(pulled.stdout).toMatch(/1 quarantined/);

    const listed = await sluice(db, 'quarantine', 'temp');
    expect(listed.stdout).toMatch(/dev\.kamu\.example\.mqtt\.temp\s+payload is not valid UTF-8\s+hex:deadbeef/);
    const json = JSON.parse((await sluice(db, 'quarantine', 'temp', '--json')).stdout.trim().split('\n')[0]);
    expect(json).toMatchObject({ topic: 'dev.kamu.example.mqtt.temp', reason: 'payload is not valid UTF-8', payload: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64') });

    expect((await sluice(db, 'quarantine', 'temp', '--discard', json.id)).stdout).toMatch(/^discarded 1 message/);
    expect((await sluice(db, 'quarantine', 'temp')).stdout.trim().split('\n')).toHaveLength(1); // the header only

    const clear = await mqtt.connectAsync(broker.url);
    await clear.publishAsync('dev.kamu.example.mqtt.temp', '', { qos: 1, retain: true });
    await clear.endAsync();
  });
});

describe('[CLI] sluice add as kamu add: several manifests, each added or refused on its own', () => {
  it('reads a multi-document stream: a line per document, the stream\'s line numbers, a summary, exit 65, nothing of a refused one', async () => {
    const doc = (name: string, read = 'NdJson') =>
      fs.readFileSync(kamuExample(), 'utf8').replace('name: temp', `name: ${name}`).replace('kind: NdJson', `kind: ${read}`);
    // Document 1 (lines 1-23) is fine; 2 has an extra space before `port:` (its line 11 is the stream's 35);
    // 3 reads GeoJson from MQTT, which a pull would refuse; 4 is fine; 5 has a password template that
    // could never resolve (it used to crash add with a stack trace).
    const badTemplate = doc('multi.five').replace('        topics:', '        username: u\n        password: "${{ bogus }}"\n        topics:');
    const stream = [doc('multi.one'), doc('multi.two').replace('        port:', '         port:'), doc('multi.three', 'GeoJson'), doc('multi.four'), badTemplate].join('---\n');
    const r = await sluiceStdin(db, stream, 'add', '-');
    expect(r.stdout).toMatch(/^added multi\.one \(did:odf:\S+\)\nadded multi\.four \(did:odf:\S+\)\n$/);
    expect(r.stderr).toBe(
      'STDIN[1]: refused: Invalid manifest (1 problem):\n' +
        `  line 35, column 10: this line is indented 9 spaces, deeper than line 34, whose "host" already has a value; indent it 8 spaces, like "host"\n` +
        'STDIN[2]: refused: read: read kind "GeoJson" is not supported: Sluice reads NdJson, Json and Csv MQTT payloads\n' +
        'STDIN[4]: refused: Invalid manifest (1 problem):\n' +
        `  line 109, column 19: fetch.password: invalid template alternative "bogus" in "\${{ bogus }}"; expected env.NAME (letters, digits, _ or -), a number or a 'single-quoted string'\n` +
        '2 added, 3 refused (of 5 manifests)\n',
    );
    expect(r.code).toBe(65);
    const list = (await sluice(db, 'list')).stdout;
    expect(list).toMatch(/multi\.one\s+root, polling/);
    expect(list).not.toMatch(/multi\.(two|three|five)/);

    const scope = await sluice(db, 'set', 'multi.one', '--snapshot-scope', 'topic');
    expect(scope.stderr).toBe('sluice: the snapshot scope "topic" applies to Snapshot merges; "multi.one" merges by Ledger\n');
    expect(scope.code).toBe(64);
  });
});
