import { MqttClient, type IClientOptions } from 'mqtt';
import { isSluiceError, SluiceError } from '../../errors';
import type { DecodedPublish } from '../../mqtt/publish-packet';
import { AckGate } from './ack-gate';
import { assertValidFilter } from './topic-filter';
import { openBrokerTransport, type BrokerTlsOptions } from './broker-transport';
import type { ReadAheadPlan, ReadAheadRef } from '../read/read-ahead';

export type QosLevel = 0 | 1 | 2;

export interface TopicSubscription {
  path: string;
  /** The QoS the manifest asks for. */
  qos: QosLevel;
  /**
   * The QoS the broker granted in its SUBACK (MQTT 3.1.1 §3.9.3: it may grant less than asked;
   * RabbitMQ and NATS 2.9 grant QoS 2 as QoS 1). Absent for a session recorded before brokers'
   * grants were kept.
   */
  granted?: QosLevel;
}

/** A topic filter the broker granted a lower QoS than the manifest asks for. */
export interface QosDowngrade {
  path: string;
  asked: QosLevel;
  granted: QosLevel;
}

/** The filters of `topics` whose granted QoS is below the one asked for. */
export function qosDowngrades(topics: TopicSubscription[]): QosDowngrade[] {
  return topics.flatMap((t) => (t.granted !== undefined && t.granted < t.qos ? [{ path: t.path, asked: t.qos, granted: t.granted }] : []));
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
  /**
   * False: a connection began changing the session's filters and never confirmed them (it failed,
   * or its process was killed): the session may hold any of sessionTopics, so every wanted filter
   * is subscribed again (and the others unsubscribed) even when the session is present.
   */
  sessionTopicsConfirmed?: boolean;
  /** Subscribe even to filters the session holds (so the broker resends retained messages). */
  forceSubscribe?: boolean;
  tls?: BrokerTlsOptions;
  /**
   * How the pull will read the messages: a session on its own thread reads them there as they
   * arrive (read-ahead.ts); one on the pulling thread leaves reading to the pull.
   */
  readAhead?: ReadAheadPlan;
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
  /** The message read on the session thread (see MqttSessionOptions.readAhead). */
  readAhead?: ReadAheadRef;
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
  /** The topic filters the broker session now holds, with the QoS the broker granted each. */
  readonly topics: TopicSubscription[];
  /** Lets the acknowledgement (PUBACK / PUBREC) of a committed message reach the broker. */
  acknowledge(message: Pick<ReceivedMessage, 'qos' | 'messageId'>): void;
  /** Lets the PUBCOMP for a released QoS 2 packet identifier reach the broker. */
  complete(messageId: number): void;
  /** Stops reading messages; those the broker sends from now on stay queued for the next session. */
  stopReceiving(): void;
  /** Reads messages again (the session passed to the next pull of the same run). */
  resumeReceiving(): void;
  /** Disconnects; acknowledgements still held are dropped so the broker redelivers those messages. */
  close(): Promise<void>;
}

const SESSION_NEVER_EXPIRES = 0xffffffff;

/**
 * The broker is asked for `receiveMaximum` (the ack gate writes it into the CONNECT), but mqtt.js
 * is told MQTT's maximum, so its own check of inbound QoS 2 messages can never end a pull. (The
 * gate now decodes every PUBLISH itself, so mqtt.js counts none; the gate's rewrite stays the one
 * place the window is set.)
 *
 * Why it was needed: mqtt.js 5.16 counts a QoS 2 packet id from its PUBLISH to its PUBREL (released correctly,
 * whatever the ack gate holds) and closes the connection with "Receive Maximum exceeded" when the
 * broker sends more than the advertised window. Mosquitto 2.0.11 does: on each PUBACK/PUBCOMP it
 * refills its in-flight list counting only the messages ahead of the acknowledged one
 * (db__message_delete_outgoing), so completing the oldest lets a whole window more go out while
 * the rest is unacknowledged. Seen with a 30,000-message QoS 2 backlog and a 10,000 window: a resumed
 * session re-sent 10,000 PUBRELs, and the first PUBCOMP was followed by 10,000 PUBLISHes; every
 * later session was re-sent the swollen in-flight list at once and failed the same way. With 65,535
 * (every 16-bit id) mqtt.js's count of distinct ids cannot exceed it. What the broker sends past a
 * pull's record cap is not taken and not acknowledged: it is redelivered to the next pull.
 */
const MQTT_MAX_RECEIVE_MAXIMUM = 65_535;

/** How a pull opens its broker session: openMqttSession, or openThreadedMqttSession (its socket on a thread of its own). */
export type OpenMqttSession = (opts: MqttSessionOptions, handlers: MqttSessionHandlers) => Promise<MqttSession>;

/** Connects with a persistent session and subscribes; messages flow to `handlers` from then on. */
export async function openMqttSession(opts: MqttSessionOptions, handlers: MqttSessionHandlers): Promise<MqttSession> {
  for (const t of opts.topics) assertValidFilter(t.path);
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
      ? { properties: { sessionExpiryInterval: SESSION_NEVER_EXPIRES, receiveMaximum: MQTT_MAX_RECEIVE_MAXIMUM } }
      : {}),
  };
  const client = new MqttClient(() => {
    // Messages and releases are decoded by the gate, in arrival order (a resumed session's queued
    // messages follow the CONNACK in the same read); mqtt.js sees the rest of the session.
    gate = new AckGate(openBrokerTransport(url, opts.tls), version === 5 ? opts.receiveMaximum : undefined, {
      protocolVersion: version,
      onPublish: (p) => handlers.onMessage(received(p)),
      onPubrel: (id) => handlers.onPubrel(id),
    });
    return gate;
  }, clientOptions);

  const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    // Only our own listeners are removed afterwards: mqtt.js keeps its 'close' bookkeeping.
    const done = () => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
    };
    const onConnect = (packet: { sessionPresent: boolean }) => {
      done();
      resolve({ sessionPresent: packet.sessionPresent });
    };
    const onError = (err: Error) => {
      done();
      client.end(true);
      reject(connectError(err, opts, version));
    };
    const onClose = () => {
      done();
      // aedes and other 3.1.1-only brokers hang up on an MQTT 5 CONNECT without a CONNACK.
      reject(version === 5 ? new UnsupportedProtocolVersion() : new SluiceError('BROKER_UNREACHABLE', `cannot reach the broker at ${opts.url}: no MQTT broker answered`));
    };
    const timer = setTimeout(() => {
      done();
      client.end(true);
      reject(new SluiceError('BROKER_UNREACHABLE', `cannot reach the broker at ${opts.url}: no MQTT broker answered`));
    }, opts.connectTimeoutMs);
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });

  let closing = false;
  client.on('error', (err) => handlers.onError(connectionLost(err, opts.url)));
  client.on('close', () => {
    if (!closing) handlers.onError(new SluiceError('CONNECTION_LOST', `the broker at ${opts.url} closed the connection during the pull`));
  });
  const close = async () => {
    closing = true;
    // A connection that is already gone cannot be ended gracefully; never wait on it for long.
    const ended = client.connected ? client.endAsync(false) : client.endAsync(true);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 3000).unref());
    await Promise.race([ended.catch(() => undefined), timeout]);
    if (!client.disconnected) client.end(true);
  };

  let topics: TopicSubscription[];
  try {
    topics = await withTimeout(ensureSubscribed(client, opts, connack.sessionPresent, version), opts.connectTimeoutMs, () =>
      new SluiceError('BROKER_UNREACHABLE', `the broker at ${opts.url} did not answer the subscription within ${opts.connectTimeoutMs} ms`),
    );
  } catch (err) {
    await close();
    throw subscriptionFailed(err, opts.url);
  }
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
    stopReceiving() {
      gate?.pauseIncoming();
    },
    resumeReceiving() {
      gate?.resumeIncoming();
    },
    close,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Subscribes what the pull needs. A resumed session that already holds exactly these filters keeps
 * its QoS 1/2 subscriptions: the broker queued their messages, and re-subscribing over MQTT 3.1.1
 * would resend every retained message on every pull (over MQTT 5 they are renewed without that).
 * QoS 0 filters are subscribed again on every pull, as Kamu does: the broker queues nothing for
 * them, so their retained messages (the latest value of each topic) only arrive with a
 * subscription. Filters the manifest dropped are unsubscribed.
 *
 * Returns the filters with the QoS the broker granted: from this SUBACK, or for a filter kept from
 * the resumed session, the grant recorded when it was subscribed.
 */
async function ensureSubscribed(client: MqttClient, opts: MqttSessionOptions, sessionPresent: boolean, version: 4 | 5): Promise<TopicSubscription[]> {
  const wanted = opts.topics;
  const resumed = sessionPresent && !opts.forceSubscribe && opts.sessionTopicsConfirmed !== false && sameTopics(wanted, opts.sessionTopics ?? []);
  // Over MQTT 5 a resumed session's QoS 1/2 filters are subscribed again too, with Retain Handling
  // 1 (retained messages only for a subscription the broker does not hold): a broker that kept
  // them resends nothing, and one that came back without them while saying the session is present
  // (RabbitMQ after a kill -9, EMQX 2 after a restart) has them again, whenever it lost them. Over
  // 3.1.1 such a SUBSCRIBE would resend every retained message on every pull: only a connection
  // that was lost leads to one there (SessionRecord.lost).
  const renewed = resumed && version === 5 ? wanted.filter((t) => t.qos > 0) : [];
  const subscribe = resumed ? [...wanted.filter((t) => t.qos === 0), ...renewed] : wanted;
  const options = (t: TopicSubscription) => (renewed.includes(t) ? { qos: t.qos, rh: 1 } : { qos: t.qos });
  const grants = new Map<string, QosLevel>();
  if (resumed) for (const t of opts.sessionTopics ?? []) if (t.granted !== undefined) grants.set(t.path, t.granted);
  if (subscribe.length) {
    let granted;
    let hungUp = false;
    const onClose = () => (hungUp = true);
    client.once('close', onClose);
    try {
      granted = await client.subscribeAsync(Object.fromEntries(subscribe.map((t) => [t.path, options(t)])));
    } catch (err) {
      // RabbitMQ 3.x answers a SUBSCRIBE its topic permissions deny by closing the connection, without a SUBACK.
      if (hungUp) throw subscriptionHungUp(subscribe.map((t) => t.path));
      // mqtt.js rejects a SUBACK holding a failure code (0x80 and up) itself; the SUBACK it passes
      // on lists one code per filter, in the order they were sent.
      const codes = (err as { packet?: { granted?: number[] } }).packet?.granted;
      const refused = codes ? subscribe.filter((_, i) => (codes[i] ?? 0) >= 0x80) : [];
      if (refused.length) throw subscriptionRefused(refused.map((t) => t.path), codes![subscribe.indexOf(refused[0])]);
      const code = (err as { code?: number }).code;
      if (typeof code === 'number' && code >= 0x80) throw subscriptionRefused(subscribe.map((t) => t.path), code);
      throw err;
    }
    finally {
      client.off('close', onClose);
    }
    const refused = granted.filter((g) => (g.qos as number) >= 0x80);
    if (refused.length) throw subscriptionRefused(refused.map((g) => g.topic), refused[0].qos);
    for (const g of granted) grants.set(g.topic, g.qos as QosLevel);
  }
  const stale = (opts.sessionTopics ?? []).filter((old) => !wanted.some((t) => t.path === old.path));
  if (sessionPresent && stale.length) await client.unsubscribeAsync(stale.map((t) => t.path));
  return wanted.map((t) => {
    const granted = grants.get(t.path);
    return granted === undefined ? { path: t.path, qos: t.qos } : { path: t.path, qos: t.qos, granted };
  });
}

/**
 * A session's subscription failed after its CONNACK: refused, hung up on or unanswered. The broker
 * may keep the session with some, all or none of the filters: the record of them stays unconfirmed
 * (session-record.ts), so the next connection subscribes them all again.
 */
export class SubscriptionFailed extends SluiceError {}

function subscriptionFailed(err: unknown, url: string): SubscriptionFailed {
  if (isSluiceError(err)) return new SubscriptionFailed(err.code, err.message, { cause: err });
  return new SubscriptionFailed('CONNECTION_LOST', `connection to ${url} failed while subscribing: ${(err as Error).message}`, { cause: err });
}

function subscriptionRefused(filters: string[], code: number): SluiceError {
  return new SluiceError(
    'BROKER_NOT_AUTHORIZED',
    `the broker refused the subscription to ${filters.map((f) => `"${f}"`).join(', ')} (SUBACK return code 0x${code.toString(16)}: the user may not subscribe to it, or the broker does not accept the filter)`,
  );
}

function subscriptionHungUp(filters: string[]): SluiceError {
  return new SluiceError(
    'BROKER_NOT_AUTHORIZED',
    `the broker closed the connection instead of answering the subscription to ${filters.map((f) => `"${f}"`).join(', ')} (RabbitMQ does so when the user's topic permissions do not let it read one of them)`,
  );
}

function sameTopics(a: TopicSubscription[], b: TopicSubscription[]): boolean {
  const key = (ts: TopicSubscription[]) => ts.map((t) => `${t.qos}:${t.path}`).sort().join('\n');
  return key(a) === key(b);
}

/** A message the ack gate decoded, as received now (fields listed, not spread: a spread per message cost ~1 µs). */
function received(p: DecodedPublish): ReceivedMessage {
  return { topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, dup: p.dup, messageId: p.messageId, receivedAt: new Date() };
}


/** Bad username or password, and "not authorized", which Mosquitto answers for a wrong password too. */
const CONNACK_AUTH = new Set([4, 5, 134, 135, 140]);
const CONNACK_BAD_VERSION = new Set([1, 132]);
const TLS_CODES = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL/;

function connectError(err: Error & { code?: string | number }, opts: MqttSessionOptions, version: 4 | 5): Error {
  if (isSluiceError(err)) return err; // the broker policy's refusal, from the transport
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
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new SluiceError('BROKER_UNREACHABLE', `cannot reach the broker at ${url}: its host name does not resolve`, { cause: err });
  // Refused, timed out, unreachable or reset: one wording, so an error does not map which ports
  // of a host are open, closed or filtered.
  return new SluiceError('BROKER_UNREACHABLE', `cannot reach the broker at ${url}: no MQTT broker answered`, { cause: err });
}

function connectionLost(err: Error, url: string): SluiceError {
  return new SluiceError('CONNECTION_LOST', `connection to ${url} failed during the pull: ${err.message}`, { cause: err });
}
