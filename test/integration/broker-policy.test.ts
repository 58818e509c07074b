import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeBrokerPolicy, installBrokerPolicy } from '../../lib/brokers/active-broker-policy';
import { brokerPolicyFrom } from '../../lib/brokers/broker-policy';
import { assertBrokerAllowed } from '../../lib/ingest/fetch/broker-transport';
import { sluiceWith } from '../support/cli';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { followPull } from '../../lib/ingest/follow-pull';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import { updateDatasetManifest } from '../../lib/datasets/update-dataset-manifest';
import { useBrokerAndStore } from '../support/broker-and-store';
import { mqttManifest } from '../support/manifests';
import { TEST_IDLE_MS } from '../support/pull-timing';

const env = useBrokerAndStore();
let service: net.Server;
let servicePort: number;
let connections = 0;
const before = activeBrokerPolicy();

beforeAll(async () => {
  // An internal service (think Redis) on this machine that must never be reached through a dataset.
  service = net.createServer((s) => {
    connections++;
    s.end('-ERR internal service banner\r\n');
  });
  servicePort = await new Promise<number>((resolve) => service.listen(0, '127.0.0.1', () => resolve((service.address() as net.AddressInfo).port)));
});
afterAll(() => {
  installBrokerPolicy(before);
  service.close();
});

const pull = (name: string) => runPollingIngest({ store: env.store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: TEST_IDLE_MS, connectTimeoutMs: 2000 } });

describe('[BROKER POLICY] pulls reach only brokers the operator allows', () => {
  it('with sign-up open, loopback services are refused before any connection, by address or by a name resolving to it', async () => {
    installBrokerPolicy(brokerPolicyFrom({ SLUICE_BROKER_URL: env.broker.url }, { signupOpen: true }));
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'ssrf-ip', port: servicePort, topics: [{ path: 'a/#' }] }) });
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'ssrf-name', host: 'localhost', port: servicePort, topics: [{ path: 'a/#' }] }) });
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'operator', port: env.broker.port, topics: [{ path: 'a/#' }] }) });
    for (const name of ['ssrf-ip', 'ssrf-name']) {
      await expect(pull(name)).rejects.toMatchObject({ code: 'BROKER_NOT_ALLOWED', message: expect.stringContaining('sign-up is open: the operator must allow it in SLUICE_BROKER_ALLOW') });
    }
    expect(connections).toBe(0);
    expect(await pull('operator')).toMatchObject({ status: 'up_to_date' }); // the operator's own broker
  });

  it("the console's source check refuses the same brokers when a manifest is saved, and stores nothing", async () => {
    installBrokerPolicy(brokerPolicyFrom({ SLUICE_BROKER_URL: env.broker.url }, { signupOpen: true }));
    const before = (await env.store.datasets.find(defaultWorkspaceKey('operator')))!.headHash;
    const edit = updateDatasetManifest({ store: env.store, dataset: defaultWorkspaceKey('operator'), manifest: mqttManifest({ name: 'operator', host: 'localhost', port: servicePort, topics: [{ path: 'a/#' }] }) });
    await expect(edit).rejects.toMatchObject({ code: 'BROKER_NOT_ALLOWED' });
    expect((await env.store.datasets.find(defaultWorkspaceKey('operator')))!.headHash).toBe(before);
  });

  it('streaming (always-on) pulls are judged alike: refused, not retried, and the service never connected', async () => {
    installBrokerPolicy(brokerPolicyFrom({ SLUICE_BROKER_URL: env.broker.url }, { signupOpen: true }));
    const reconnects: string[] = [];
    const run = followPull({ store: env.store.ingest, dataset: defaultWorkspaceKey('ssrf-name'), options: { connectTimeoutMs: 2000 }, signal: new AbortController().signal, onReconnect: ({ error }) => reconnects.push(error.code) });
    await expect(run).rejects.toMatchObject({ code: 'BROKER_NOT_ALLOWED' });
    expect(reconnects).toEqual([]);
    expect(connections).toBe(0);
  });

  it('an explicit allow list entry admits a loopback broker even with sign-up open', async () => {
    installBrokerPolicy(brokerPolicyFrom({ SLUICE_BROKER_ALLOW: `127.0.0.1/32:${env.broker.port}` }, { signupOpen: true }));
    await addDataset({ store: env.store, manifest: mqttManifest({ name: 'listed', port: env.broker.port, topics: [{ path: 'a/#' }] }) });
    expect(await pull('listed')).toMatchObject({ status: 'up_to_date' });
    await expect(pull('ssrf-ip')).rejects.toMatchObject({ code: 'BROKER_NOT_ALLOWED' });
    expect(connections).toBe(0);
  });

  it("the CLI and the worker judge as strictly as the console that last started, whatever their own environment says", async () => {
    // The console started with sign-up open and recorded it; a cron job's `sluice pull` has no SLUICE_OPEN_SIGNUP.
    await env.store.operatorSettings.recordConsole({ signupOpen: true, ports: [] });
    const refused = await sluiceWith({ DATABASE_URL: env.store.databaseUrl, SLUICE_OPEN_SIGNUP: '0' }, 'pull', 'ssrf-ip');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('is not a public address, and sign-up is open');
    expect(connections).toBe(0);
    // Once the console starts with sign-up closed, the operator's own loopback broker is fine again.
    await env.store.operatorSettings.recordConsole({ signupOpen: false, ports: [] });
    const allowed = await sluiceWith({ DATABASE_URL: env.store.databaseUrl, SLUICE_OPEN_SIGNUP: '0' }, 'pull', 'operator');
    expect(allowed.stderr).not.toContain('BROKER_NOT_ALLOWED');
    expect(allowed.code).toBe(0);
  });

  it("the CLI never takes the console's recorded ports for a broker (the ports sluice start fell back to are not in its environment)", async () => {
    await env.store.operatorSettings.recordConsole({ signupOpen: false, ports: [servicePort] });
    const refused = await sluiceWith({ DATABASE_URL: env.store.databaseUrl, SLUICE_OPEN_SIGNUP: '0' }, 'pull', 'ssrf-ip');
    expect(refused.stderr).toContain('is this console itself, not a broker');
    expect(connections).toBe(0);
    await env.store.operatorSettings.recordConsole({ signupOpen: false, ports: [] });
  });

  it('with no record yet, the CLI fails closed once anyone has an account (a console was set up before it recorded sign-up)', async () => {
    await env.store.prisma.operatorSetting.deleteMany({});
    await env.store.prisma.user.create({ data: { id: 'policy-user', name: 'someone', email: 'someone@example.test' } });
    const refused = await sluiceWith({ DATABASE_URL: env.store.databaseUrl, SLUICE_OPEN_SIGNUP: '0' }, 'pull', 'ssrf-ip');
    expect(refused.stderr).toContain('is not a public address, and sign-up is open');
    expect(connections).toBe(0);
    await env.store.prisma.user.delete({ where: { id: 'policy-user' } });
  });

  it('a name that does not resolve is refused as a private address while sign-up is open: the answer does not tell them apart', async () => {
    const policy = brokerPolicyFrom({}, { signupOpen: true });
    const unresolved = assertBrokerAllowed('mqtt://no-such-broker.invalid:1883', policy).catch((e: Error) => e.message);
    const internal = assertBrokerAllowed('mqtt://localhost:1883', policy).catch((e: Error) => e.message);
    expect((await unresolved)?.replace('no-such-broker.invalid', 'HOST')).toBe((await internal)?.replace('localhost', 'HOST'));
    expect(await internal).toContain('is not a public address');
    // With sign-up closed a name that does not resolve is the connection's own error, not the policy's.
    await expect(assertBrokerAllowed('mqtt://no-such-broker.invalid:1883', brokerPolicyFrom({}, { signupOpen: false }))).resolves.toBeUndefined();
  });
});
