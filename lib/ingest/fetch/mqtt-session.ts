import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { MqttClient, type IClientOptions, type IPublishPacket, type Packet } from 'mqtt';
import WebSocket, { createWebSocketStream } from 'ws';
import { SluiceError } from '../../errors';
import { AckGate } from './ack-gate';

export type QosLevel = 0 | 1 | 2;

export interface TopicSubscription {
  path: string;
  qos: QosLevel;
}

export interface MqttSessionOptions {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` URL of the broker (WebSocket URLs keep their path). */
  url: string;
  username?: string;
  password?: string;
  /** Stable per dataset, so the broker keeps the persistent session between pulls. */
  clientId: string;
  topics: TopicSubscription[];
  /** 5, 4 (= 3.1.1) or 'auto' (try 5, fall back to 3.1.1 for brokers without MQTT 5). */
  protocolVersion: 4 | 5 | 'auto';
  /** MQTT 5 flow control: how many unacknowledged QoS 1/2 messages the broker may send. */
  receiveMaximum: number;
  connectTimeoutMs: number;
  /** Topic filters the broker session held after the previous pull; a present session is not re-subscribed. */
  sessionTopics?: TopicSubscription[];
  tls?: { ca?: string; rejectUnauthorized?: boolean };
}

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  qos: QosLevel;
  retain: boolean;
  dup: boolean;
  /** Packet identifier of QoS 1/2 messages. */
  messageId?: number;
  receivedAt: Date;
}

export interface MqttSessionHandlers {
  onMessage(message: ReceivedMessage): void;
  /** The broker released a QoS 2 message (PUBREL): its packet identifier may now be reused. */
  onPubrel(messageId: number): void;
  /** The connection failed after it was established. */
  onError(error: SluiceError): void;
}

export interface MqttSession {
  readonly sessionPresent: boolean;
  readonly protocolVersion: 4 | 5;
  /** The topic filters the broker session now holds. */
  readonly topics: TopicSubscription[];
  /** Lets the acknowledgement (PUBACK / PUBREC) of a committed message reach the broker. */
  acknowledge(message: ReceivedMessage): void;
  /** Lets the PUBCOMP for a released QoS 2 packet identifier reach the broker. */
  complete(messageId: number): void;
  /** Number of acknowledgements still held back. */
  readonly heldAcks: number;
  /** Stops reading messages; those the broker sends from now on stay queued for the next session. */
  stopReceiving(): void;
  /** Disconnects; acknowledgements still held are dropped so the broker redelivers those messages. */
  close(): Promise<void>;
}

const SESSION_NEVER_EXPIRES = 0xffffffff;

/** Connects with a persistent session and subscribes; messages flow to `handlers` from then on. */
export async function openMqttSession(opts: MqttSessionOptions, handlers: MqttSessionHandlers): Promise<MqttSession> {
  if (opts.protocolVersion !== 'auto') return connect(opts, opts.protocolVersion, handlers);
  try {
    return await connect(opts, 5, handlers);
  } catch (err) {
    if (err instanceof UnsupportedProtocolVersion) return connect(opts, 4, handlers);
    throw err;
  }
}

class UnsupportedProtocolVersion extends Error {}

async function connect(opts: MqttSessionOptions, version: 4 | 5, handlers: MqttSessionHandlers): Promise<MqttSession> {
  const url = new URL(opts.url);
  let gate: AckGate | undefined;
  const clientOptions: IClientOptions = {
    clientId: opts.clientId,
    clean: false,
    protocolVersion: version,
    reconnectPeriod: 0,
    connectTimeout: opts.connectTimeoutMs,
    keepalive: 30,
    resubscribe: false,
    // mqtt.js formats a debug line for every packet; even disabled that costs ~2 µs a message.
    log: () => {},
    // Credentials are only sent when both are set, as Kamu does.
    ...(opts.username !== undefined && opts.password !== undefined
      ? { username: opts.username, password: opts.password }
      : {}),
    ...(version === 5
      ? { properties: { sessionExpiryInterval: SESSION_NEVER_EXPIRES, receiveMaximum: opts.receiveMaximum } }
      : {}),
  };
  const client = new MqttClient(() => {
    gate = new AckGate(openTransport(url, opts));
    return gate;
  }, clientOptions);
  // Attached before the CONNACK: a resumed session's queued messages follow it in the same read.
  client.on('packetreceive', (packet: Packet) => {
    if (packet.cmd === 'publish') handlers.onMessage(toMessage(packet));
    else if (packet.cmd === 'pubrel' && packet.messageId !== undefined) handlers.onPubrel(packet.messageId);
  });

  const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new SluiceError('BROKER_UNREACHABLE', `no answer from the broker at ${opts.url} within ${opts.connectTimeoutMs} ms`));
    }, opts.connectTimeoutMs);
    client.once('connect', (packet) => {
      clearTimeout(timer);
      resolve({ sessionPresent: packet.sessionPresent });
    });
    client.once('error', (err) => {
      clearTimeout(timer);
      client.end(true);
      reject(connectError(err, opts, version));
    });
    client.once('close', () => {
      clearTimeout(timer);
      // aedes and other 3.1.1-only brokers hang up on an MQTT 5 CONNECT without a CONNACK.
      reject(version === 5 ? new UnsupportedProtocolVersion() : new SluiceError('BROKER_UNREACHABLE', `the broker at ${opts.url} closed the connection`));
    });
  });
  client.removeAllListeners('error');
  client.removeAllListeners('close');

  let closing = false;
  client.on('error', (err) => handlers.onError(connectionLost(err, opts.url)));
  client.on('close', () => {
    if (!closing) handlers.onError(new SluiceError('CONNECTION_LOST', `the broker at ${opts.url} closed the connection during the pull`));
  });

  const topics = await ensureSubscribed(client, opts, connack.sessionPresent);
  return {
    sessionPresent: connack.sessionPresent,
    protocolVersion: version,
    topics,
    acknowledge(message) {
      if (message.qos === 1) gate?.release('puback', message.messageId!);
      else if (message.qos === 2) gate?.release('pubrec', message.messageId!);
    },
    complete(messageId) {
      gate?.release('pubcomp', messageId);
    },
    get heldAcks() {
      return gate?.heldCount ?? 0;
    },
    stopReceiving() {
      gate?.pauseIncoming();
    },
    async close() {
      closing = true;
      await client.endAsync(false).catch(() => undefined);
    },
  };
}

function openTransport(url: URL, opts: MqttSessionOptions): Duplex {
  const port = Number(url.port) || defaultPort(url.protocol);
  switch (url.protocol) {
    case 'mqtt:':
    case 'tcp:':
      return net.connect({ host: url.hostname, port });
    case 'mqtts:':
    case 'ssl:':
    case 'tls:':
      return tls.connect({
        host: url.hostname,
        port,
        servername: net.isIP(url.hostname) ? undefined : url.hostname,
        ca: opts.tls?.ca,
        rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true,
      });
    case 'ws:':
    case 'wss:': {
      const socket = new WebSocket(url, ['mqtt'], { ca: opts.tls?.ca, rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true });
      return createWebSocketStream(socket);
    }
    default:
      throw new SluiceError('INVALID_INPUT', `unsupported broker URL scheme "${url.protocol}" (use mqtt, mqtts, ws or wss)`);
  }
}

function defaultPort(protocol: string): number {
  return { 'mqtts:': 8883, 'ssl:': 8883, 'tls:': 8883, 'ws:': 80, 'wss:': 443 }[protocol] ?? 1883;
}

/**
 * Subscribes unless the broker resumed a session that already holds exactly these filters:
 * re-subscribing would make the broker resend every retained message on every pull.
 */
async function ensureSubscribed(client: MqttClient, opts: MqttSessionOptions, sessionPresent: boolean): Promise<TopicSubscription[]> {
  const wanted = opts.topics;
  if (sessionPresent && sameTopics(wanted, opts.sessionTopics ?? [])) return wanted;
  for (const t of wanted) assertValidFilter(t.path);
  const granted = await client.subscribeAsync(Object.fromEntries(wanted.map((t) => [t.path, { qos: t.qos }])));
  const refused = granted.filter((g) => g.qos === 128 || (g.qos as number) >= 0x80);
  if (refused.length) {
    throw new SluiceError(
      'BROKER_NOT_AUTHORIZED',
      `the broker refused the subscription to ${refused.map((g) => `"${g.topic}"`).join(', ')} (not authorized or invalid filter)`,
    );
  }
  const stale = (opts.sessionTopics ?? []).filter((old) => !wanted.some((t) => t.path === old.path));
  if (sessionPresent && stale.length) await client.unsubscribeAsync(stale.map((t) => t.path));
  return wanted;
}

function sameTopics(a: TopicSubscription[], b: TopicSubscription[]): boolean {
  const key = (ts: TopicSubscription[]) => ts.map((t) => `${t.qos}:${t.path}`).sort().join('\n');
  return key(a) === key(b);
}

/** MQTT 3.1.1 §4.7: `#` only last and alone in its level, `+` alone in its level, no NUL, not empty. */
export function assertValidFilter(filter: string): void {
  const levels = filter.split('/');
  const bad =
    filter.length === 0 ||
    filter.includes('\u0000') ||
    Buffer.byteLength(filter) > 65535 ||
    levels.some((l, i) => (l.includes('#') && (l !== '#' || i !== levels.length - 1)) || (l.includes('+') && l !== '+'));
  if (bad) {
    throw new SluiceError(
      'TOPIC_FILTER_INVALID',
      `topic filter "${filter}" is invalid: "+" must fill a whole level and "#" must be the whole last level`,
    );
  }
}

function toMessage(packet: IPublishPacket): ReceivedMessage {
  return {
    topic: packet.topic,
    payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload),
    qos: packet.qos as QosLevel,
    retain: packet.retain,
    dup: packet.dup,
    messageId: packet.messageId,
    receivedAt: new Date(),
  };
}

/** Bad username or password, and "not authorized", which Mosquitto answers for a wrong password too. */
const CONNACK_AUTH = new Set([4, 5, 134, 135, 140]);
const CONNACK_BAD_VERSION = new Set([1, 132]);
const TLS_CODES = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL/;

function connectError(err: Error & { code?: string | number }, opts: MqttSessionOptions, version: 4 | 5): Error {
  const { code } = err;
  const url = opts.url;
  if (typeof code === 'number') {
    if (CONNACK_BAD_VERSION.has(code) && version === 5) return new UnsupportedProtocolVersion();
    if (CONNACK_AUTH.has(code)) {
      const who = opts.username !== undefined && opts.password !== undefined
        ? `rejected the username or password of "${opts.username}"`
        : 'requires a username and password (set fetch.username and fetch.password)';
      return new SluiceError('BROKER_AUTH_FAILED', `the broker at ${url} ${who}: ${err.message}`);
    }
    return new SluiceError('BROKER_REFUSED', `the broker at ${url} refused the connection: ${err.message} (code ${code})`);
  }
  if (typeof code === 'string' && TLS_CODES.test(code)) {
    return new SluiceError('TLS_FAILED', `TLS connection to ${url} failed: ${err.message}`, { cause: err });
  }
  return new SluiceError('BROKER_UNREACHABLE', `cannot reach the broker at ${url}: ${err.message}`, { cause: err });
}

function connectionLost(err: Error, url: string): SluiceError {
  return new SluiceError('CONNECTION_LOST', `connection to ${url} failed during the pull: ${err.message}`, { cause: err });
}
