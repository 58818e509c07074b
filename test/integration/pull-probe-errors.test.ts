/**
 * A pull's error must not map a host's ports: a closed port, a silent one, and a service that is
 * not an MQTT broker (whatever it answers) fail alike, over every transport a manifest may name.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDataset } from '../../lib/datasets/add-dataset';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { runPollingIngest } from '../../lib/ingest/run-polling-ingest';
import type { Store } from '../../lib/store/open-store';
import { freePort } from '../support/free-port';
import { mqttManifest } from '../support/manifests';
import { createTestStore } from '../support/test-store';

let store: Store;
const servers: net.Server[] = [];

/** A TCP service answering each connection with `greeting` (none: silent), and every line with an echo. */
async function service(greeting?: string): Promise<number> {
  const server = net.createServer((s) => {
    if (greeting) s.write(greeting);
    s.on('data', (d) => (greeting ? s.write(`+ECHO ${d.length}\r\n`) : undefined));
    s.on('error', () => undefined);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  for (const s of servers) s.close();
  await store?.close();
});

describe('[PULL] errors do not tell closed, filtered and other services apart', () => {
  it('over mqtt, mqtts, ws and wss: one code and one message for every target', async () => {
    const targets = {
      closed: await freePort(),
      silent: await service(),
      redisLike: await service('-ERR unknown command\r\n'),
      httpLike: await service('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
      sshLike: await service('SSH-2.0-OpenSSH_9.6\r\n'),
    };
    const outcomes: Record<string, string> = {};
    for (const scheme of ['mqtt', 'mqtts', 'ws', 'wss'] as const) {
      for (const [what, port] of Object.entries(targets)) {
        const name = `probe-${scheme}-${what}`.toLowerCase();
        const host = `${scheme}://127.0.0.1${scheme.startsWith('ws') ? '/mqtt' : ''}`;
        const url = `${scheme}://127.0.0.1:${port}${scheme.startsWith('ws') ? '/mqtt' : ''}`;
        await addDataset({ store, manifest: mqttManifest({ name, host, port, topics: [{ path: 't/#' }] }) });
        const error = await runPollingIngest({ store: store.ingest, dataset: defaultWorkspaceKey(name), options: { idleTimeoutMs: 200, connectTimeoutMs: 1000 } }).then(
          () => ({ code: 'none', message: 'pulled' }),
          (err: { code?: string; message: string }) => err,
        );
        outcomes[`${scheme} ${what}`] = `${error.code}: ${error.message.replaceAll(url, '<url>').replaceAll(url.replace(/\/mqtt$/, ''), '<url>')}`;
      }
    }
    const expected = 'BROKER_UNREACHABLE: cannot reach the broker at <url>: no MQTT broker answered';
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(outcomes).map((k) => [k, expected])));
  });
});
