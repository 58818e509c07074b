import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { Aedes } from 'aedes';
import aedesPersistenceLevel from 'aedes-persistence-level';
import { Level } from 'level';
import { WebSocket } from 'ws';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BrokerPortInUseError, startEmbeddedBroker, type EmbeddedBroker } from '../../lib/broker/embedded-broker';
import { rawUpgradeAnswer } from '../support/raw-mqtt-ws';
import { startDemoDevice, type DemoReading } from '../../lib/demo/demo-device';

// Everything started in a test is stopped after it, even when it fails.
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

async function broker(opts: Parameters<typeof startEmbeddedBroker>[0] = {}): Promise<EmbeddedBroker> {
  const b = await startEmbeddedBroker({ port: 0, wsPort: 0, ...opts });
  cleanups.push(() => b.close());
  return b;
}

/**
 * A connected client, or a rejection: mqtt.js's connectAsync never settles when a WebSocket upgrade
 * is refused (it emits only 'close'), so 'close' before 'connect' and a deadline count as failure.
 */
async function client(url: string, opts: IClientOptions = {}, beforeConnect?: (c: MqttClient) => void): Promise<MqttClient> {
  const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
  beforeConnect?.(c);
  cleanups.push(() => c.endAsync(true));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no CONNACK from ${url} within 6 s`)), 6_000);
    const settle = (err?: Error) => {
      clearTimeout(timer);
      c.off('connect', onConnect).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onConnect = () => settle();
    const onError = (err: Error) => settle(err);
    const onClose = () => settle(new Error(`connection to ${url} closed before CONNACK`));
    c.on('connect', onConnect).on('error', onError).on('close', onClose);
  });
  return c;
}

/** Holds a port taken from the OS until the test ends: the "another broker is already there" case. */
async function occupyPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as net.AddressInfo).port;
}

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-broker-'));
  tmpDirs.push(d);
  return d;
}

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Records every message a client receives; `waitFor` resolves once `n` have arrived (or fails). */
function recorder(c: MqttClient) {
  const messages: Received[] = [];
  c.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return {
    messages,
    async waitFor(n: number, timeoutMs = 60_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} messages, got ${messages.length} within ${timeoutMs} ms`);
        await sleep(20);
      }
      return messages;
    },
  };
}

/** Whether something (Mosquitto, typically) already listens on the standard MQTT port here. */
const defaultPortTaken = !(await portIsFree(1883));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function roundTrip(pubUrl: string, subUrl: string, topic: string): Promise<void> {
  const sub = await client(subUrl);
  const rec = recorder(sub);
  await sub.subscribeAsync(topic, { qos: 1 });
  const pub = await client(pubUrl);
  await pub.publishAsync(topic, `hello over ${new URL(pubUrl).protocol}`, { qos: 1 });
  const [m] = await rec.waitFor(1);
  expect(m).toEqual({ topic, payload: `hello over ${new URL(pubUrl).protocol}`, retain: false });
}

describe('embedded broker: listening', () => {
  it('listens on OS-chosen ports and reports them in its URLs', async () => {
    const b = await broker({ port: 0, wsPort: 0 });
    expect(b.port).toBeGreaterThan(0);
    expect(b.wsPort).toBeGreaterThan(0);
    expect(b.port).not.toBe(b.wsPort);
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    expect(b.wsUrl).toBe(`ws://127.0.0.1:${b.wsPort}/mqtt`);
    await roundTrip(b.url, b.url, 'tcp/roundtrip');
  });

  it('answers an upgrade whose target is not a URL path with 400 and keeps running (a throw there ended the process)', async () => {
    const b = await broker({ port: 0, wsPort: 0 });
    const answer = await rawUpgradeAnswer(b.wsPort, '127.0.0.1', '//[');
    expect(answer).toMatch(/^HTTP\/1.1 400 /);
    await roundTrip(b.wsUrl, b.url, 'ws/after-bad-upgrade');
  });

  it('falls back to a free port when the requested ones are taken, and says so', async () => {
    const [taken, takenWs] = [await occupyPort(), await occupyPort()];
    const lines: string[] = [];
    const b = await broker({ port: taken, wsPort: takenWs, log: (l) => lines.push(l) });
    expect(b.port).not.toBe(taken);
    expect(b.wsPort).not.toBe(takenWs);
    expect(lines).toContain(`port ${taken} is in use (another MQTT broker?); embedded broker listening on 127.0.0.1:${b.port} instead`);
    expect(lines.some((l) => l.includes(`WebSocket port ${takenWs} is in use`) && l.includes(`127.0.0.1:${b.wsPort}`))).toBe(true);
    await roundTrip(b.url, b.wsUrl, 'fallback/roundtrip');
  });

  it('uses the requested port when it is free (no fallback notice)', async () => {
    const wanted = await occupyPort().then(async (p) => {
      await cleanups.pop()!(); // release it again: a port known to be free a moment ago
      return p;
    });
    const lines: string[] = [];
    const b = await broker({ port: wanted, log: (l) => lines.push(l) });
    expect(b.port).toBe(wanted);
    expect(lines.join('\n')).not.toMatch(/in use/);
  });

  it('with portFallback off, fails naming the port and releases what it had opened', async () => {
    const takenWs = await occupyPort();
    const tcpPort = await occupyPort().then(async (p) => {
      await cleanups.pop()!();
      return p;
    });
    const attempt = startEmbeddedBroker({ port: tcpPort, wsPort: takenWs, portFallback: false });
    await expect(attempt).rejects.toBeInstanceOf(BrokerPortInUseError);
    await expect(attempt).rejects.toThrow(new RegExp(`port ${takenWs} on 127\\.0\\.0\\.1 is already in use`));
    await expect(attempt).rejects.toMatchObject({ code: 'EADDRINUSE', port: takenWs, transport: 'ws' });
    // The TCP listener opened before the WebSocket one failed must be closed again.
    expect(await portIsFree(tcpPort)).toBe(true);

    const taken = await occupyPort();
    await expect(startEmbeddedBroker({ port: taken, wsPort: 0, portFallback: false })).rejects.toMatchObject({
      port: taken,
      transport: 'tcp',
      message: expect.stringContaining(`port ${taken}`),
    });
  });

  // The real situation on a machine with Mosquitto installed: the defaults (1883) are taken.
  it.runIf(defaultPortTaken)('with default options, steps aside when 1883 already has a broker', async () => {
    const lines: string[] = [];
    const b = await broker({ port: undefined, wsPort: 0, log: (l) => lines.push(l) });
    expect(b.port).not.toBe(1883);
    expect(lines[0]).toBe(`port 1883 is in use (another MQTT broker?); embedded broker listening on 127.0.0.1:${b.port} instead`);
    await roundTrip(b.url, b.url, 'default/roundtrip');
  });

  it('close() is idempotent and frees both ports', async () => {
    const b = await startEmbeddedBroker({ port: 0, wsPort: 0 });
    const c = await client(b.url);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    await Promise.all([b.close(), b.close()]);
    await b.close();
    await closed; // connected clients are disconnected
    expect(await portIsFree(b.port)).toBe(true);
    expect(await portIsFree(b.wsPort)).toBe(true);
  });
});

describe('embedded broker: WebSocket', () => {
  it('carries MQTT over ws:// on /mqtt, in both directions with TCP', async () => {
    const b = await broker();
    await roundTrip(b.wsUrl, b.url, 'ws/to-tcp');
    await roundTrip(b.url, b.wsUrl, 'tcp/to-ws');
    await roundTrip(b.wsUrl, b.wsUrl, 'ws/to-ws');
  });

  it('accepts the root path too, and refuses other paths', async () => {
    const b = await broker();
    await roundTrip(`ws://127.0.0.1:${b.wsPort}/`, b.url, 'ws/root');
    const status = await new Promise<number | string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${b.wsPort}/elsewhere`, 'mqtt');
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 'no status');
        ws.terminate();
      });
      ws.once('open', () => {
        resolve('opened');
        ws.terminate();
      });
      ws.once('error', (e) => resolve(e.message));
    });
    expect(status).toBe(404);
  });

  it('answers a plain HTTP request with 426 Upgrade Required', async () => {
    const b = await broker();
    const res = await fetch(`http://127.0.0.1:${b.wsPort}/mqtt`);
    expect(res.status).toBe(426);
    await res.text();
  });
});

describe('embedded broker: persistence', () => {
  it('keeps persistent sessions, their queued messages and retained messages across a restart', async () => {
    const dataDir = tmpDir();
    const first = await startEmbeddedBroker({ port: 0, wsPort: 0, dataDir });
    let firstOpen = true;
    cleanups.push(() => firstOpen && first.close());

    // A durable subscriber, then offline.
    const durable = { clientId: 'sluice-durable', clean: false } as const;
    const sub = await mqtt.connectAsync(first.url, { ...durable, reconnectPeriod: 0 });
    await sub.subscribeAsync('plant/+/reading', { qos: 1 });
    await sub.endAsync();

    const pub = await mqtt.connectAsync(first.url, { reconnectPeriod: 0 });
    await pub.publishAsync('plant/a/reading', 'queued-1', { qos: 1 });
    await pub.publishAsync('plant/b/reading', 'queued-2', { qos: 1 });
    await pub.publishAsync('plant/status', 'online', { qos: 1, retain: true });
    await pub.endAsync();

    await first.close();
    firstOpen = false;

    const second = await broker({ dataDir });
    // Queued messages may arrive in the same chunk as the CONNACK: record from the start.
    let rec!: ReturnType<typeof recorder>;
    await client(second.url, durable, (c) => (rec = recorder(c)));
    // The session (subscription + queue) was restored: no new subscribe needed.
    const msgs = await rec.waitFor(2);
    expect(msgs.map((m) => m.payload).sort()).toEqual(['queued-1', 'queued-2']);

    const late = await client(second.url);
    const lateRec = recorder(late);
    await late.subscribeAsync('plant/status', { qos: 1 });
    const [retained] = await lateRec.waitFor(1);
    expect(retained).toEqual({ topic: 'plant/status', payload: 'online', retain: true });
  });

  it('reports the session as present after a restart', async () => {
    const dataDir = tmpDir();
    const first = await startEmbeddedBroker({ port: 0, wsPort: 0, dataDir });
    const c1 = await mqtt.connectAsync(first.url, { clientId: 'sp', clean: false, reconnectPeriod: 0 });
    await c1.subscribeAsync('x/#', { qos: 1 });
    await c1.endAsync();
    await first.close();

    const second = await broker({ dataDir });
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      const c2 = mqtt.connect(second.url, { clientId: 'sp', clean: false, reconnectPeriod: 0 });
      cleanups.push(() => c2.endAsync(true));
      c2.once('connect', resolve);
      c2.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(true);
  });

  it('forgets everything without a dataDir', async () => {
    const first = await startEmbeddedBroker({ port: 0, wsPort: 0 });
    const pub = await mqtt.connectAsync(first.url, { reconnectPeriod: 0 });
    await pub.publishAsync('mem/status', 'x', { qos: 1, retain: true });
    await pub.endAsync();
    await first.close();

    const second = await broker();
    const late = await client(second.url);
    const rec = recorder(late);
    await late.subscribeAsync('mem/#', { qos: 1 });
    await sleep(300);
    expect(rec.messages).toEqual([]);
  });

  it('closes cleanly in the middle of retained-message scans, keeping what it acknowledged', async () => {
    // Closing LevelDB while aedes still streams retained messages to fresh subscribers used to
    // crash the process (unhandled 'error' event, LEVEL_ITERATOR_NOT_OPEN).
    const dataDir = tmpDir();
    const seed = await startEmbeddedBroker({ port: 0, wsPort: 0, dataDir });
    const pub = await mqtt.connectAsync(seed.url, { reconnectPeriod: 0 });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => pub.publishAsync(`busy/${i}`, 'x'.repeat(100), { qos: 1, retain: true })));
    await pub.endAsync();
    await seed.close();

    for (let round = 0; round < 3; round++) {
      const b = await startEmbeddedBroker({ port: 0, wsPort: 0, dataDir });
      const subs = await Promise.all(Array.from({ length: 5 }, () => mqtt.connectAsync(b.url, { reconnectPeriod: 0 })));
      await subs[0].publishAsync('acked/' + round, `round ${round}`, { qos: 1, retain: true });
      for (const c of subs) c.subscribe('#', { qos: 1 }); // each starts a scan of 1000+ retained messages
      await sleep(round * 5);
      await b.close(); // a close that hung on the scans would run into the test's timeout
      for (const c of subs) c.end(true);
    }

    const b = await broker({ dataDir });
    const c = await client(b.url);
    const rec = recorder(c);
    await c.subscribeAsync('acked/+', { qos: 1 });
    const msgs = await rec.waitFor(3);
    expect(msgs.map((m) => m.payload).sort()).toEqual(['round 0', 'round 1', 'round 2']);
  });

  it('refuses a data directory another running broker holds', async () => {
    const dataDir = tmpDir();
    await broker({ dataDir });
    await expect(startEmbeddedBroker({ port: 0, wsPort: 0, dataDir })).rejects.toThrow(/is in use by another broker/);
  });
});

describe('embedded broker: no live message is lost', () => {
  // aedes numbers each message as it starts publishing it but dispatches it only after its
  // persistence steps (retained store, offline queues, QoS 2 state), and those finish out of order:
  // a retained message has one more step than a plain one, and LevelDB completes writes in any
  // order. Each client then dropped a message numbered below the last one it had been sent, as a
  // "duplicate" (moscajs/aedes#533, #994). Bursts that mix retained and plain messages (and QoS 0
  // noise from another client) provoke exactly that: before the fix each case but memory/QoS 1
  // (whose steps are all microtasks, so nothing overtook there) lost messages on every run.
  const TOPICS = ['load/a', 'load/b', 'load/c'];
  const BURSTS = 30;

  it.each([
    ['memory', 1],
    ['memory', 2],
    ['LevelDB', 1],
    ['LevelDB', 2],
  ] as const)('%s persistence, QoS %i: live clean and persistent subscribers get every message', async (store, qos) => {
    const b = await broker(store === 'LevelDB' ? { dataDir: tmpDir() } : {});
    // Retained messages already there: a QoS 2 one sent to a persistent session on SUBSCRIBE used to
    // make the broker close that connection when the client acknowledged it.
    const pub = await client(b.url);
    for (const topic of TOPICS) await pub.publishAsync(topic, 'before', { qos, retain: true });

    const subscribers = {
      'clean TCP': await client(b.url),
      'clean WebSocket': await client(b.wsUrl),
      'persistent TCP': await client(b.url, { clientId: `durable-${store}-${qos}`, clean: false }),
    };
    const received = Object.fromEntries(Object.keys(subscribers).map((name) => [name, new Map<string, number>()]));
    for (const [name, c] of Object.entries(subscribers)) {
      const counts = received[name];
      c.on('message', (topic, payload) => {
        const key = `${topic} ${payload.toString()}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      });
      await c.subscribeAsync('load/+', { qos });
    }
    const noise = await client(b.url);

    for (let run = 0; run < 3; run++) {
      const tag = `run${run}-${Math.random().toString(36).slice(2, 8)}`;
      const expected = TOPICS.flatMap((topic) => Array.from({ length: BURSTS }, (_, i) => `${topic} ${tag}-${i}`));
      const acks: Promise<unknown>[] = [];
      for (let i = 0; i < BURSTS; i++) {
        // One message per topic in one tick, retained and plain alternating.
        TOPICS.forEach((topic, t) => acks.push(pub.publishAsync(topic, `${tag}-${i}`, { qos, retain: (i + t) % 2 === 0 })));
        noise.publish('load/noise', `${tag}-${i}`, { qos: 0 });
        await sleep(10); // a steady pace, as devices publish
      }
      await Promise.all(acks);
      // Every acknowledged message must reach every subscriber (QoS 2: exactly once).
      const missing = () =>
        Object.fromEntries(Object.entries(received).map(([name, counts]) => [name, expected.filter((key) => !counts.has(key))]));
      const deadline = Date.now() + 5_000;
      while (Object.values(missing()).some((m) => m.length > 0) && Date.now() < deadline) await sleep(20);
      expect(missing(), tag).toEqual(Object.fromEntries(Object.keys(received).map((name) => [name, []])));
      if (qos === 2) {
        for (const [name, counts] of Object.entries(received)) {
          expect(expected.filter((key) => counts.get(key) !== 1), `${name}, ${tag}: delivered more than once`).toEqual([]);
        }
      }
      for (const c of Object.values(subscribers)) expect(c.connected).toBe(true);
    }
  });
});

describe('embedded broker: acknowledgement', () => {
  // aedes as the embedded broker runs it, on a database that records when each write completes.
  it('acknowledges a QoS 1 message only once it is stored (retained, and queued for an offline session)', async () => {
    const events: string[] = [];
    const db = new Level<string, Uint8Array>(path.join(tmpDir(), 'db'));
    await db.open();
    cleanups.push(() => db.close());
    const recording = new Proxy(db, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop !== 'put') return value.bind(target);
        return async (key: string, ...rest: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<void>).apply(target, [key, ...rest]);
          events.push(`stored ${key.split(':')[0]}`);
        };
      },
    });
    const aedes = await Aedes.createBroker({ persistence: aedesPersistenceLevel(recording) });
    cleanups.push(() => new Promise<void>((resolve) => aedes.close(() => resolve())));
    const server = net.createServer((socket) => {
      const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
      // A PUBACK is the 4-byte packet 40 02 <id>.
      socket.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (Buffer.isBuffer(chunk) && chunk[0] === 0x40) events.push('PUBACK written');
        return write(chunk, ...rest);
      }) as typeof socket.write;
      aedes.handle(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

    const offline = await mqtt.connectAsync(url, { clientId: 'offline-session', clean: false, reconnectPeriod: 0 });
    await offline.subscribeAsync('acked/#', { qos: 1 });
    await offline.endAsync();
    events.length = 0;

    const pub = await client(url);
    await pub.publishAsync('acked/x', 'stored first', { qos: 1, retain: true });
    expect(events).toEqual(expect.arrayContaining(['stored retained', 'stored outgoing', 'PUBACK written']));
    expect(events.at(-1)).toBe('PUBACK written');
  });
});

describe('embedded broker: authentication', () => {
  const users = { sluice: 's3cret', device: 'other' };

  it('accepts a known user with the right password', async () => {
    const b = await broker({ users });
    const c = await client(b.url, { username: 'sluice', password: 's3cret' });
    expect(c.connected).toBe(true);
  });

  it.each([
    ['a wrong password', { username: 'sluice', password: 'wrong' }],
    ["another user's password", { username: 'sluice', password: 'other' }],
    ['an unknown user', { username: 'nobody', password: 's3cret' }],
    ['no credentials', {}],
  ])('refuses %s with CONNACK return code 4', async (_label, creds) => {
    const b = await broker({ users });
    const err = await mqtt.connectAsync(b.url, { reconnectPeriod: 0, connectTimeout: 5_000, ...creds }).then(
      (c) => {
        c.end(true);
        throw new Error('connected although the credentials are wrong');
      },
      (e: unknown) => e as Error & { code?: number },
    );
    expect(err.code).toBe(4);
    expect(err.message).toMatch(/bad username or password/i);
  });

  it('applies to WebSocket clients too', async () => {
    const b = await broker({ users });
    await expect(mqtt.connectAsync(b.wsUrl, { reconnectPeriod: 0, username: 'sluice', password: 'nope' })).rejects.toMatchObject({ code: 4 });
    const ok = await client(b.wsUrl, { username: 'sluice', password: 's3cret' });
    expect(ok.connected).toBe(true);
  });
});

describe('embedded broker: MQTT 5 clients', () => {
  // aedes speaks 3.1.1 only. What it does with a v5 CONNECT is what Sluice's client-side fallback
  // relies on, so it is pinned here: a CONNACK with return code 1, then the socket is closed.
  it.each(['tcp', 'ws'] as const)('refuses a v5 CONNECT over %s with return code 1 and closes', async (transport) => {
    const b = await broker();
    const c = mqtt.connect(transport === 'tcp' ? b.url : b.wsUrl, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000 });
    cleanups.push(() => c.endAsync(true));
    const connacks: { reasonCode?: number; properties?: unknown }[] = [];
    c.on('packetreceive', (p) => p.cmd === 'connack' && connacks.push(p));
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    const err = await new Promise<Error & { code?: number }>((resolve, reject) => {
      c.once('error', resolve);
      c.once('connect', () => reject(new Error('aedes accepted MQTT 5')));
    });
    await closed;
    expect(err.code).toBe(1);
    expect(err.message).toMatch(/unacceptable protocol version/i);
    expect(connacks).toHaveLength(1);
    expect(connacks[0].reasonCode).toBe(1);
    expect(connacks[0].properties).toBeUndefined(); // a 3.1.1-format CONNACK (2 bytes)

    // …and the same client id then connects with 3.1.1.
    const v4 = await client(transport === 'tcp' ? b.url : b.wsUrl, { protocolVersion: 4 });
    expect(v4.connected).toBe(true);
  });

  it('answers a raw v5 CONNECT with exactly 20 02 00 01 and closes the socket itself', async () => {
    const b = await broker();
    const socket = net.connect(b.port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const received: Buffer[] = [];
    socket.on('data', (d) => received.push(d));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'raw-v5', keepalive: 30 }));
    await closed; // a broker that kept the socket open would run into the test's timeout
    expect(Buffer.concat(received).toString('hex')).toBe('20020001');
  });
});

describe('demo device', () => {
  const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

  it('publishes parseable readings for every device, at QoS 1, the latest one retained', async () => {
    const b = await broker();
    const sub = await client(b.url);
    const rec = recorder(sub);
    const qos: number[] = [];
    sub.on('message', (_t, _p, packet) => qos.push(packet.qos));
    await sub.subscribeAsync('demo/sensors/+/temperature', { qos: 1 });

    const demo = await startDemoDevice({ url: b.url, intervalMs: 50 });
    cleanups.push(() => demo.stop());
    const msgs = await rec.waitFor(10);

    const readings = msgs.map((m) => ({ topic: m.topic, reading: JSON.parse(m.payload) as DemoReading }));
    for (const { topic, reading } of readings) {
      expect(Object.keys(reading).sort()).toEqual(['device_id', 'event_time', 'humidity', 'temperature']);
      expect(reading.event_time).toMatch(RFC3339_MS);
      expect(new Date(reading.event_time).toISOString()).toBe(reading.event_time);
      expect(topic).toBe(`demo/sensors/${reading.device_id}/temperature`);
      expect(reading.temperature).toBeGreaterThan(5);
      expect(reading.temperature).toBeLessThan(35);
      expect(reading.humidity).toBeGreaterThanOrEqual(15);
      expect(reading.humidity).toBeLessThanOrEqual(98);
    }
    expect(new Set(readings.map((r) => r.reading.device_id))).toEqual(new Set(['greenhouse-1', 'greenhouse-2']));
    expect(qos.every((q) => q === 1)).toBe(true);
    // Primary key (event_time, device_id) is unique.
    const keys = readings.map((r) => `${r.reading.event_time}|${r.reading.device_id}`);
    expect(new Set(keys).size).toBe(keys.length);

    await demo.stop();
    const late = await client(b.url);
    const lateRec = recorder(late);
    await late.subscribeAsync('demo/sensors/#', { qos: 1 });
    const retained = await lateRec.waitFor(2);
    await sleep(200);
    expect(lateRec.messages).toHaveLength(2); // one retained reading per device, nothing more
    expect(retained.every((m) => m.retain)).toBe(true);
  });

  it('honours topicPrefix and devices', async () => {
    const b = await broker();
    const sub = await client(b.url);
    const rec = recorder(sub);
    await sub.subscribeAsync('lab/#', { qos: 1 });
    const demo = await startDemoDevice({ url: b.wsUrl, topicPrefix: 'lab/x', devices: ['probe'], intervalMs: 50 });
    cleanups.push(() => demo.stop());
    const [m] = await rec.waitFor(1);
    expect(m.topic).toBe('lab/x/probe/temperature');
    expect(JSON.parse(m.payload)).toMatchObject({ device_id: 'probe' });
  });

  it('keeps publishing after the broker restarts', async () => {
    const first = await startEmbeddedBroker({ port: 0, wsPort: 0 });
    let firstOpen = true;
    cleanups.push(() => firstOpen && first.close());
    const lines: string[] = [];
    const demo = await startDemoDevice({ url: first.url, intervalMs: 50, log: (l) => lines.push(l) });
    cleanups.push(() => demo.stop());
    await first.close();
    firstOpen = false;

    // Same port again (the device's URL does not change).
    const second = await broker({ port: first.port, portFallback: false });
    const sub = await client(second.url);
    const rec = recorder(sub);
    await sub.subscribeAsync('demo/sensors/+/temperature', { qos: 1 });
    await rec.waitFor(4, 10_000);
    expect(lines.some((l) => l.includes('lost its connection'))).toBe(true);
    expect(lines.some((l) => l.includes('reconnected'))).toBe(true);
  });

  it('fails to start when nothing listens at the URL', async () => {
    const port = await occupyPort().then(async (p) => {
      await cleanups.pop()!();
      return p;
    });
    await expect(startDemoDevice({ url: `mqtt://127.0.0.1:${port}` })).rejects.toThrow(/demo device cannot connect.*ECONNREFUSED/);
    const b = await broker();
    await expect(startDemoDevice({ url: `ws://127.0.0.1:${b.wsPort}/not-mqtt` })).rejects.toThrow(/demo device cannot connect/);
  });

  it('fails to start when the broker refuses it', async () => {
    const b = await broker({ users: { u: 'p' } });
    await expect(startDemoDevice({ url: b.url, username: 'u', password: 'bad' })).rejects.toThrow(/demo device cannot connect/);
    const ok = await startDemoDevice({ url: b.url, username: 'u', password: 'p', intervalMs: 50 });
    await ok.stop();
  });
});

describe('embedded broker: host', () => {
  it('binding all interfaces gives loopback URLs clients can use', async () => {
    const b = await broker({ host: '0.0.0.0' });
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    expect(b.wsUrl).toBe(`ws://127.0.0.1:${b.wsPort}/mqtt`);
    await roundTrip(b.url, b.wsUrl, 'any/roundtrip');
  });
});
