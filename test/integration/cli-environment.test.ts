import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sluice, sluiceWith } from '../support/cli';
import { mqttManifest } from '../support/manifests';
import { startMosquitto, type MosquittoServer } from '../support/mosquitto-server';
import { openStore } from '../../lib/store/open-store';
import { createTestDatabase, TEST_SECRET_KEY } from '../support/test-store';

let broker: MosquittoServer;
let db: string;
let tmp: string;
let listener: net.Server;
let listenerPort: number;
const received: Buffer[] = [];

beforeAll(async () => {
  [broker, db] = await Promise.all([startMosquitto({ users: { device: 'env-Pa55word' } }), createTestDatabase()]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-env-'));
  listener = net.createServer((s) => s.on('data', (b) => received.push(b)).on('error', () => undefined));
  listenerPort = await new Promise<number>((resolve) => listener.listen(0, '127.0.0.1', () => resolve((listener.address() as net.AddressInfo).port)));
});
afterAll(async () => {
  await broker?.stop();
  listener?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function manifestFile(name: string, port: number, password: string): string {
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, mqttManifest({ name, port, username: 'device', password, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] }));
  return file;
}

describe('[CLI] `sluice pull` gives a manifest only the environment the operator allows', () => {
  it("never resolves Sluice's own settings, and says how to allow a name", async () => {
    expect((await sluice(db, 'add', manifestFile('grab', listenerPort, '${{ env.DATABASE_URL }}|${{ env.SLUICE_SECRET_KEY }}'))).code).toBe(0);
    const r = await sluice(db, 'pull', 'grab');
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("${{ env.DATABASE_URL }}: DATABASE_URL is one of Sluice's own settings and is never given to a manifest");
    expect(Buffer.concat(received).toString('latin1')).not.toContain('postgresql://');

    const flag = await sluice(db, 'pull', '--env', 'SLUICE_SECRET_KEY', 'grab');
    expect(flag.code).toBe(64);
    expect(flag.stderr).toContain("SLUICE_SECRET_KEY is one of Sluice's own settings");
    expect(received).toEqual([]); // no connection was even attempted
  });

  it('reads MQTT_PASSWORD from the environment only with --env NAME=BROKER or SLUICE_PULL_ENV, and only for that broker', async () => {
    expect((await sluice(db, 'add', manifestFile('envpw', broker.port, '${{ env.MQTT_PASSWORD }}'))).code).toBe(0);
    const env = { DATABASE_URL: db, MQTT_PASSWORD: 'env-Pa55word' };
    const forBroker = `MQTT_PASSWORD=mqtt://127.0.0.1:${broker.port}`;
    const refused = await sluiceWith(env, 'pull', 'envpw');
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain('run it with --env MQTT_PASSWORD=<broker URL>');
    const unbound = await sluiceWith(env, 'pull', '--env', 'MQTT_PASSWORD', 'envpw');
    expect(unbound.code).toBe(64);
    expect(unbound.stderr).toContain('say which broker its value is for');
    const allowed = await sluiceWith(env, 'pull', '--env', forBroker, 'envpw');
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect((await sluiceWith({ ...env, SLUICE_PULL_ENV: forBroker }, 'pull', 'envpw')).code).toBe(0);

    // An editor re-points the dataset at their listener: the operator's cron line now refuses.
    expect((await sluice(db, 'add', '--replace', manifestFile('envpw', listenerPort, '${{ env.MQTT_PASSWORD }}'))).code).toBe(0);
    const repointed = await sluiceWith(env, 'pull', '--env', forBroker, 'envpw');
    expect(repointed.code).toBe(78);
    expect(repointed.stderr).toContain(`the secret MQTT_PASSWORD is not allowed for the broker mqtt://127.0.0.1:${listenerPort}`);
    expect(Buffer.concat(received).toString('latin1')).not.toContain('env-Pa55word');
  });

  it('--all gives an --env binding only to the datasets it names: an editor of another workspace asking for it on the same broker gets nothing', async () => {
    // Every connection's bytes apart: which dataset's CONNECT (by its username) carried what.
    const connections: Buffer[][] = [];
    const broker = net.createServer((s) => {
      const bytes: Buffer[] = [];
      connections.push(bytes);
      s.on('data', (b) => bytes.push(b)).on('error', () => undefined);
    });
    const port = await new Promise<number>((resolve) => broker.listen(0, '127.0.0.1', () => resolve((broker.address() as net.AddressInfo).port)));
    const sentBy = (username: string) => connections.map((c) => Buffer.concat(c).toString('latin1')).filter((t) => t.includes(username));
    try {
      const store = await openStore({ databaseUrl: db, secretKey: TEST_SECRET_KEY });
      await store.prisma.organization.create({ data: { id: 'other-id', name: 'Other', slug: 'other' } });
      await store.close();
      const manifest = (name: string, username: string) => {
        const file = path.join(tmp, `${name}-${username}.yaml`);
        fs.writeFileSync(file, mqttManifest({ name, port, username, password: '${{ env.OPS_PW }}', topics: [{ path: '#', qos: 'AtLeastOnce' }] }));
        return file;
      };
      expect((await sluice(db, 'add', manifest('ops', 'operator-user'))).code).toBe(0);
      expect((await sluice(db, 'add', '--workspace', 'other', manifest('steal', 'editor-user'))).code).toBe(0);
      const env = { DATABASE_URL: db, OPS_PW: 'ops-Pa55word-value' };
      const url = `mqtt://127.0.0.1:${port}`;
      const pullAll = (...flags: string[]) => sluiceWith(env, 'pull', '--all', '--connect-timeout', '300', ...flags);

      const unscoped = await pullAll('--env', `OPS_PW=${url}`);
      expect(unscoped.stderr).toContain('other/steal: failed: ${{ env.OPS_PW }}: OPS_PW is allowed without naming datasets, so only datasets named on the command line get it');
      expect(unscoped.stderr).toContain(`--env OPS_PW=<broker URL>@<workspace>/steal`);
      expect(connections).toEqual([]); // nobody got it, so nothing connected

      const scoped = await pullAll('--env', `OPS_PW=${url}@default/ops`);
      expect(scoped.stderr).toContain('other/steal: failed: ${{ env.OPS_PW }}: OPS_PW is allowed for other datasets only');
      expect(sentBy('operator-user').join('')).toContain('ops-Pa55word-value');
      expect(sentBy('editor-user')).toEqual([]);

      // The workspace form covers the workspace's datasets, and a named dataset still gets an unscoped binding.
      expect((await pullAll('--env', `OPS_PW=${url}@other/*`)).stderr).toContain('ops: failed: ${{ env.OPS_PW }}: OPS_PW is allowed for other datasets only');
      expect(sentBy('editor-user').join('')).toContain('ops-Pa55word-value');
      const bad = await sluiceWith(env, 'pull', '--env', `OPS_PW=${url}@other/a/b`, 'ops');
      expect(bad.code).toBe(64);
      expect(bad.stderr).toContain('"@other/a/b" does not name datasets');
    } finally {
      broker.close();
    }
  });
});
