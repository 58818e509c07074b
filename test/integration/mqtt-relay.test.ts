/**
 * The live preview's MQTT relay (lib/relay/mqtt-relay.ts) in-process, between real WebSocket
 * clients and real Mosquitto or stand-in TCP services: it is an MQTT relay and never a TCP tunnel,
 * it bounds packet sizes and buffers, it follows access re-checks, and it speaks MQTT 5.
 */
import http from 'node:http';
import net from 'node:net';
import mqtt from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { activeBrokerPolicy, installBrokerPolicy } from '../../lib/brokers/active-broker-policy';
import { brokerPolicyFrom } from '../../lib/brokers/broker-policy';
import { SluiceError } from '../../lib/errors';
import { BROKER_UNREACHABLE, RELAY_CLOSE, relayMqtt, type RelayOptions, type RelayPolicy } from '../../lib/relay/mqtt-relay';
import { freePort } from '../support/free-port';
import { startMosquitto, type MosquittoServer } from '../support/mosquitto-server';
import { PREVIEW_CONNECT, rawMqttWs } from '../support/raw-mqtt-ws';

const USER = { username: 'device', password: 'device-password-1' };
let mosquitto: MosquittoServer;
beforeAll(async () => {
  mosquitto = await startMosquitto({ users: { [USER.username]: USER.password } });
});
afterAll(async () => mosquitto?.stop());

/** The relay on a loopback port; each connection gets the policy and options of the test that opened it. */
async function startRelay(policy: Partial<RelayPolicy>, options: Partial<RelayOptions> = {}) {
  const full: RelayPolicy = { accountId: 'acc-1', brokerUrl: mosquitto.url, ...USER, topics: ['t/#'], canPublish: false, ...policy };
  const relayed: WebSocket[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer();
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      relayed.push(ws);
      relayMqtt(ws, full, { maxPacketBytes: 1024 * 1024, ...options });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url,
    /** The relay's side of each browser connection, in order. */
    relayed,
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      server.close();
    },
  };
}

/** A TCP service that is not an MQTT broker (think Redis or an SSH server): it greets, answers every line, and records what it got. */
async function startTalkativeService() {
  const got: Buffer[] = [];
  const server = net.createServer((s) => {
    s.write('+OK internal-service v7.2 ready\r\n');
    s.on('data', (d) => {
      got.push(d);
      s.write(`+PONG ${d.length}\r\n`);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, got: () => Buffer.concat(got), close: () => server.close() };
}

/** A TCP service that accepts and never says a word. */
async function startSilentService() {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => void sockets.push(s.on('error', () => undefined)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('the relay is not a TCP tunnel', () => {
  it('passes nothing of a non-MQTT service to the browser, and nothing but its own CONNECT to the service', async () => {
    const service = await startTalkativeService();
    const relay = await startRelay({ brokerUrl: `mqtt://127.0.0.1:${service.port}`, canPublish: true, topics: ['#'] });
    const browser = rawMqttWs(relay.url);
    // A client id with a command line in it, then commands in a PUBLISH's payload, as pipelined MQTT.
    await browser.send(
      Buffer.concat([
        mqttPacket.generate({ ...PREVIEW_CONNECT, clientId: 'sluice-preview-\r\nSET pwned 1\r\n' } as Packet),
        mqttPacket.generate({ cmd: 'publish', topic: 'x', payload: Buffer.from('\r\nCONFIG SET dir /tmp\r\n'), qos: 0, retain: false, dup: false }),
      ]),
    );
    const closed = await browser.closed;
    expect(closed).toEqual({ code: RELAY_CLOSE.brokerUnreachable, reason: BROKER_UNREACHABLE });
    // The browser got the relay's CONNACK "server unavailable" and not one byte of the service's.
    expect(browser.packets).toEqual([expect.objectContaining({ cmd: 'connack', returnCode: 3 })]);
    expect(Buffer.concat(browser.received).toString('latin1')).not.toMatch(/OK|PONG|internal/);
    // The service got one CONNECT that the relay wrote: its own client id, none of the browser's bytes.
    await vi.waitFor(() => expect(service.got().length).toBeGreaterThan(0));
    const sent = service.got().toString('latin1');
    expect(sent).not.toMatch(/SET|CONFIG|pwned/);
    const parsed: Packet[] = [];
    mqttPacket.parser().on('packet', (p: Packet) => parsed.push(p)).parse(service.got());
    expect(parsed).toEqual([expect.objectContaining({ cmd: 'connect', clientId: expect.stringMatching(/^sluice-preview-[0-9a-f]{12}$/) })]);
    relay.close();
    service.close();
  });

  it('tells a closed port, a silent service and a non-MQTT service apart by nothing', async () => {
    const talkative = await startTalkativeService();
    const silent = await startSilentService();
    const closedPort = await freePort();
    const outcomes = [];
    for (const port of [closedPort, silent.port, talkative.port]) {
      const relay = await startRelay({ brokerUrl: `mqtt://127.0.0.1:${port}` }, { connectTimeoutMs: 500 });
      const browser = rawMqttWs(relay.url);
      await browser.sendPacket(PREVIEW_CONNECT);
      const closed = await browser.closed;
      outcomes.push({ closed, received: browser.received.map((b) => b.toString('hex')) });
      relay.close();
    }
    const connack3 = mqttPacket.generate({ cmd: 'connack', returnCode: 3, sessionPresent: false }).toString('hex');
    expect(outcomes).toEqual(Array(3).fill({ closed: { code: RELAY_CLOSE.brokerUnreachable, reason: BROKER_UNREACHABLE }, received: [connack3] }));
    talkative.close();
    silent.close();
  });

  it('adds the stored credentials and a throwaway clean session, and refuses a second CONNECT', async () => {
    const relay = await startRelay({ topics: ['t/#'] });
    const browser = rawMqttWs(relay.url);
    await browser.sendPacket({ ...PREVIEW_CONNECT, clientId: 'the-datasets-own-id', clean: false, username: 'someone', password: Buffer.from('guess') } as Packet);
    await vi.waitFor(() => expect(browser.packets).toEqual([expect.objectContaining({ cmd: 'connack', returnCode: 0, sessionPresent: false })]));
    await browser.sendPacket(PREVIEW_CONNECT);
    expect(await browser.closed).toEqual({ code: RELAY_CLOSE.refused, reason: 'a second CONNECT is not allowed' });
    relay.close();
  });
  it('opens only on a CONNACK that is exactly valid: a lenient parse would let bytes after it through', async () => {
    // Services that answer with a CONNACK-shaped prefix: trailing bytes in it (remaining length 5, as a
    // binary banner could be), a session the relay did not ask for, a return code MQTT does not define.
    const answers = [Buffer.from([0x20, 0x05, 0x00, 0x00, 0x41, 0x42, 0x43]), Buffer.from([0x20, 0x02, 0x01, 0x00]), Buffer.from([0x20, 0x02, 0x00, 0x41])];
    for (const answer of answers) {
      const banner = mqttPacket.generate({ cmd: 'publish', topic: 't/banner', payload: Buffer.from('internal secret'), qos: 0, retain: false, dup: false });
      const service = net.createServer((s) => {
        s.once('data', () => s.write(Buffer.concat([answer, banner])));
        s.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      const relay = await startRelay({ brokerUrl: `mqtt://127.0.0.1:${(service.address() as net.AddressInfo).port}` });
      const browser = rawMqttWs(relay.url);
      await browser.sendPacket(PREVIEW_CONNECT);
      expect(await browser.closed).toEqual({ code: RELAY_CLOSE.brokerUnreachable, reason: BROKER_UNREACHABLE });
      expect(browser.packets).toEqual([expect.objectContaining({ cmd: 'connack', returnCode: 3 })]);
      relay.close();
      service.close();
    }
  }, 30_000);

  it('passes a broker\'s refusal (CONNACK "not authorized") and closes: nothing the browser sends after it reaches that host', async () => {
    const got: Buffer[] = [];
    // Refuses the CONNECT but, unlike a broker, keeps the connection open and reads on.
    const service = net.createServer((s) => {
      s.once('data', () => {
        s.write(mqttPacket.generate({ cmd: 'connack', returnCode: 5, sessionPresent: false }));
        s.on('data', (d) => got.push(d));
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const relay = await startRelay({ brokerUrl: `mqtt://127.0.0.1:${(service.address() as net.AddressInfo).port}`, canPublish: true, topics: ['#'] });
    const browser = rawMqttWs(relay.url);
    await browser.sendPacket(PREVIEW_CONNECT);
    await vi.waitFor(() => expect(browser.packets).toEqual([expect.objectContaining({ cmd: 'connack', returnCode: 5 })]));
    await browser.sendPacket({ cmd: 'publish', topic: 'x', payload: Buffer.from('\r\nCONFIG SET dir /tmp\r\n'), qos: 0, retain: false, dup: false }).catch(() => undefined);
    expect(await browser.closed).toEqual({ code: 1000, reason: 'the broker refused the connection' });
    expect(Buffer.concat(got).toString('latin1')).not.toContain('CONFIG');
    relay.close();
    service.close();
  }, 30_000);

  it('judges the broker by the operator\'s policy like a pull: with sign-up open, a loopback service is never connected', async () => {
    const before = activeBrokerPolicy();
    let connections = 0;
    const service = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    installBrokerPolicy(brokerPolicyFrom({}, { signupOpen: true }));
    try {
      for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '2130706433']) {
        const relay = await startRelay({ brokerUrl: `mqtt://${host}:${(service.address() as net.AddressInfo).port}` });
        const browser = rawMqttWs(relay.url);
        await browser.sendPacket(PREVIEW_CONNECT);
        expect(await browser.closed).toEqual({ code: RELAY_CLOSE.brokerUnreachable, reason: BROKER_UNREACHABLE });
        relay.close();
      }
      expect(connections).toBe(0);
    } finally {
      installBrokerPolicy(before);
      service.close();
    }
  });
});

describe('the relay bounds what it holds', () => {
  it('refuses a packet declared over the limit from its header, without waiting for its body', async () => {
    const relay = await startRelay({ canPublish: true });
    const browser = rawMqttWs(relay.url);
    await browser.sendPacket(PREVIEW_CONNECT);
    await vi.waitFor(() => expect(browser.packets).toHaveLength(1));
    // PUBLISH declaring 256 MiB, of which only the first KiB is ever sent.
    await browser.send(Buffer.concat([Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x03]), Buffer.from('t/x'), Buffer.alloc(1024)]));
    const closed = await browser.closed;
    expect(closed.code).toBe(RELAY_CLOSE.tooLarge);
    expect(closed.reason).toMatch(/exceeds the limit of 1048576/);
    relay.close();
  });

  it('stops reading the broker while the browser does not read, so its unsent bytes stay within one packet', async () => {
    const maxPacketBytes = 64 * 1024;
    const relay = await startRelay({ topics: ['flood/#'] }, { maxPacketBytes });
    const browser = rawMqttWs(relay.url);
    await browser.sendPacket(PREVIEW_CONNECT);
    await browser.sendPacket({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/#', qos: 0 }] });
    await vi.waitFor(() => expect(browser.packets.map((p) => p.cmd)).toEqual(['connack', 'suback']));
    browser.ws.pause();

    const relayed = relay.relayed[0];
    let mostUnsent = 0;
    const sample = setInterval(() => (mostUnsent = Math.max(mostUnsent, relayed.bufferedAmount)), 5);
    const device = await mqtt.connectAsync(mosquitto.url, { ...USER, reconnectPeriod: 0 });
    const payload = Buffer.alloc(60 * 1024, 7);
    for (let i = 0; i < 400; i++) await device.publishAsync('flood/a', payload, { qos: 1 }); // 24 MB
    await device.endAsync();
    clearInterval(sample);
    mostUnsent = Math.max(mostUnsent, relayed.bufferedAmount);
    expect(mostUnsent).toBeLessThanOrEqual(2 * maxPacketBytes + 1024);

    // Reading again, the browser gets messages again.
    const before = browser.packets.length;
    browser.ws.resume();
    await vi.waitFor(() => expect(browser.packets.length).toBeGreaterThan(before + 10), { timeout: 10_000 });
    relay.close();
  });

  it('stops reading the browser while it does not read the answers the relay makes itself (refused SUBSCRIBEs)', async () => {
    const maxPacketBytes = 64 * 1024;
    const relay = await startRelay({ topics: ['t/#'] }, { maxPacketBytes });
    const browser = rawMqttWs(relay.url);
    await browser.sendPacket(PREVIEW_CONNECT);
    await vi.waitFor(() => expect(browser.packets).toHaveLength(1));
    browser.ws.pause(); // reads nothing more
    // Each SUBSCRIBE of 15,000 filters outside the dataset is answered by the relay with a 15 KB SUBACK.
    const subscribe = mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: Array.from({ length: 15_000 }, () => ({ topic: 'x', qos: 0 as const })) });
    const relayed = relay.relayed[0];
    let mostUnsent = 0;
    const sample = setInterval(() => (mostUnsent = Math.max(mostUnsent, relayed.bufferedAmount)), 5);
    // 1,000 of them: 15 MB of SUBACKs if all were answered, more than the sockets' buffers hold.
    for (let i = 0; i < 1000; i++) browser.ws.send(subscribe);
    // Secure: the relay stops reading the browser instead of queueing answers without bound (insecure: it reads all).
    const relaySocket = (relayed as unknown as { _socket: net.Socket })._socket;
    await vi.waitFor(() => expect(relayed.isPaused || relaySocket.bytesRead >= 1000 * subscribe.length).toBe(true), { timeout: 60_000 });
    clearInterval(sample);
    mostUnsent = Math.max(mostUnsent, relayed.bufferedAmount);
    expect(relayed.isPaused).toBe(true);
    expect(mostUnsent).toBeLessThanOrEqual(2 * maxPacketBytes + 16 * 1024);
    relay.close();
  });

  it('stops reading the browser while the broker does not read, and goes on once it does', async () => {
    // A broker that answers CONNECT, then stops reading until told to.
    let brokerSocket: net.Socket | undefined;
    let receivedBytes = 0;
    const broker = net.createServer((s) => {
      brokerSocket = s;
      s.once('data', () => {
        s.write(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
        s.pause();
        s.on('data', (d) => (receivedBytes += d.length));
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
    const relay = await startRelay({ brokerUrl: `mqtt://127.0.0.1:${(broker.address() as net.AddressInfo).port}`, canPublish: true, topics: ['t/#'] }, { maxPacketBytes: 64 * 1024 });
    const browser = rawMqttWs(relay.url);
    await browser.sendPacket(PREVIEW_CONNECT);
    await vi.waitFor(() => expect(browser.packets).toHaveLength(1));
    const publish = mqttPacket.generate({ cmd: 'publish', topic: 't/x', payload: Buffer.alloc(60 * 1024, 1), qos: 0, retain: false, dup: false });
    for (let i = 0; i < 400; i++) browser.ws.send(publish); // 24 MB, more than the sockets' buffers hold

    const relayed = relay.relayed[0];
    await vi.waitFor(() => expect(relayed.isPaused).toBe(true), { timeout: 10_000 });
    brokerSocket!.resume();
    await vi.waitFor(() => expect(receivedBytes).toBeGreaterThanOrEqual(400 * publish.length - 1024), { timeout: 20_000 });
    expect(relayed.isPaused).toBe(false);
    relay.close();
    broker.close();
  });
});

describe('the relay follows access while connected', () => {
  it('closes the connection when the re-check refuses (member removed, signed out)', async () => {
    const base: RelayPolicy = { accountId: 'acc-1', brokerUrl: mosquitto.url, ...USER, topics: ['t/#'], canPublish: false };
    let access: RelayPolicy | SluiceError = base;
    const relay = await startRelay(base, { recheckEveryMs: 50, recheck: async () => (access instanceof SluiceError ? Promise.reject(access) : access) });
    const browser = rawMqttWs(relay.url);
    await browser.sendPacket(PREVIEW_CONNECT);
    await vi.waitFor(() => expect(browser.packets).toHaveLength(1));
    access = new SluiceError('WORKSPACE_NOT_FOUND', 'no workspace "default" that you are a member of');
    expect(await browser.closed).toEqual({ code: RELAY_CLOSE.refused, reason: 'access revoked: no workspace "default" that you are a member of' });
    relay.close();
  });

  it('refuses publishing once the role no longer allows it, and closes when the dataset moved to another broker', async () => {
    const base: RelayPolicy = { accountId: 'acc-1', brokerUrl: mosquitto.url, ...USER, topics: ['t/#'], canPublish: true };
    let access = base;
    let checks = 0;
    const relay = await startRelay(base, { recheckEveryMs: 50, recheck: async () => (checks++, access) });
    const editor = await mqtt.connectAsync(relay.url, { reconnectPeriod: 0 });
    await editor.publishAsync('t/x', 'while an editor', { qos: 1 });
    access = { ...base, canPublish: false };
    // A check that started after the change has been applied once the one after it started.
    const seen = checks;
    await vi.waitFor(() => expect(checks).toBeGreaterThanOrEqual(seen + 2));
    const closed = new Promise<void>((resolve) => editor.once('close', () => resolve()));
    editor.publish('t/x', 'as a reader now');
    await closed;

    access = base;
    const reader = rawMqttWs(relay.url);
    await reader.sendPacket(PREVIEW_CONNECT);
    await vi.waitFor(() => expect(reader.packets).toHaveLength(1));
    access = { ...base, brokerUrl: 'mqtt://elsewhere:1883' };
    expect((await reader.closed).code).toBe(RELAY_CLOSE.sourceChanged);
    relay.close();
  });
});

describe('MQTT 5 through the relay', () => {
  it('subscribes, receives and publishes with an MQTT 5 client, and refuses a subscription outside the dataset with 0x87', async () => {
    const relay = await startRelay({ topics: ['v5/in/#'], canPublish: true });
    const client = await mqtt.connectAsync(relay.url, { protocolVersion: 5, reconnectPeriod: 0 });
    const granted = await client.subscribeAsync('v5/in/#', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    await expect(client.subscribeAsync('v5/other/#')).rejects.toThrow();

    const got: string[] = [];
    client.on('message', (topic, payload) => got.push(`${topic} ${payload}`));
    const device = await mqtt.connectAsync(mosquitto.url, { ...USER, protocolVersion: 5, reconnectPeriod: 0 });
    await device.subscribeAsync('v5/in/#');
    const deviceGot: string[] = [];
    device.on('message', (topic, payload) => deviceGot.push(`${topic} ${payload}`));
    await device.publishAsync('v5/in/a', 'from a device', { qos: 1, properties: { contentType: 'text/plain', userProperties: { k: 'v' } } });
    await client.publishAsync('v5/in/b', 'from the preview', { qos: 1 });
    await client.publishAsync('v5/in/c', 'qos 2 too', { qos: 2 });
    await vi.waitFor(() => expect(got).toEqual(['v5/in/a from a device', 'v5/in/b from the preview', 'v5/in/c qos 2 too']));
    await vi.waitFor(() => expect(deviceGot).toEqual(['v5/in/a from a device', 'v5/in/b from the preview', 'v5/in/c qos 2 too']));
    expect(client.connected).toBe(true);
    await client.endAsync();
    await device.endAsync();
    relay.close();
  });
});
