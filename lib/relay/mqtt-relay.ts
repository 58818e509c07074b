import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import type WebSocket from 'ws';
import { isSluiceError } from '../errors';
import { openBrokerTransport, type BrokerTlsOptions } from '../ingest/fetch/broker-transport';
import { filterCovers, topicMatches } from '../ingest/fetch/topic-filter';
import { MqttCodec, type MqttVersion } from '../mqtt/mqtt-codec';
import { MqttFrameError, MqttFramer } from '../mqtt/mqtt-framer';

/** What one browser may do through the relay: resolved on the server from its session and role. */
export interface RelayPolicy {
  /** The signed-in account: open relay connections are limited per account. */
  accountId: string;
  brokerUrl: string;
  tls?: BrokerTlsOptions;
  /** The dataset's broker credentials (stored secrets): added here, never sent to the browser. */
  username?: string;
  password?: string;
  /** The dataset's topic filters: subscriptions must stay within them, publishes must match them. */
  topics: string[];
  canPublish: boolean;
}

export interface RelayOptions {
  /** The largest MQTT packet either side may send (its declared remaining length, in bytes). */
  maxPacketBytes: number;
  /**
   * Decides the policy again (from the connection's original request): throws when access is gone
   * (signed out, removed from the workspace, dataset deleted). Runs every `recheckEveryMs`.
   */
  recheck?: () => Promise<RelayPolicy>;
  recheckEveryMs?: number;
  /** How long the browser has to send CONNECT, and the broker to answer it with CONNACK. */
  connectTimeoutMs?: number;
}

/** WebSocket close codes of the relay (4000–4999 are the application's); the preview shows their reasons. */
export const RELAY_CLOSE = {
  /** The browser did something its policy does not allow, or its access ended. */
  refused: 4003,
  /** The dataset's broker, credentials or topics changed while connected: reconnect. */
  sourceChanged: 4009,
  /** A packet over the relay's size limit. */
  tooLarge: 4013,
  /** Anything that kept the broker from answering CONNECT with CONNACK, told apart by nothing. */
  brokerUnreachable: 4502,
} as const;

export const BROKER_UNREACHABLE = 'broker unreachable';

/** Packets each side may send once connected; anything else closes the connection. */
const FROM_BROWSER = new Set(['subscribe', 'unsubscribe', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'pingreq', 'disconnect']);
const FROM_BROKER = new Set(['publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'pingresp', 'disconnect']);

/**
 * Relays one browser's MQTT-over-WebSocket connection to the dataset's broker (TCP, TLS or
 * WebSocket), as MQTT and nothing else: both directions are cut into whole packets (a packet over
 * `maxPacketBytes` is refused from its header), parsed, checked and re-generated, so no byte
 * mqtt-packet did not understand crosses. Until the broker has answered with a valid CONNACK,
 * nothing of what it sends reaches the browser and nothing but the relay's own CONNECT reaches it;
 * every failure before that is the same CONNACK "server unavailable" and close reason, so the relay
 * cannot tell a browser which hosts and ports are closed, filtered or something else.
 *
 * CONNECT gets the stored credentials, a clean session under a throwaway client id, no will and
 * only harmless MQTT 5 properties; SUBSCRIBE must stay within the dataset's filters (else SUBACK
 * refuses it); PUBLISH needs the publish permission and a topic of the dataset (else the connection
 * closes with the reason). MQTT 3.1, 3.1.1 and 5 are relayed in the CONNECT's version. Each
 * direction stops reading while the other side has a packet's worth of bytes unsent.
 */
export function relayMqtt(browser: WebSocket, initialPolicy: RelayPolicy, options: RelayOptions): void {
  const policy = { ...initialPolicy };
  const { maxPacketBytes } = options;
  const fromBrowserFrames = new MqttFramer(maxPacketBytes);
  const fromBrokerFrames = new MqttFramer(maxPacketBytes);
  let state: 'awaiting-connect' | 'awaiting-connack' | 'open' | 'closed' = 'awaiting-connect';
  let version: MqttVersion | undefined;
  let browserCodec: MqttCodec | undefined;
  let brokerCodec: MqttCodec | undefined;
  let upstream: Duplex | undefined;
  /** Browser packets sent before the CONNACK (MQTT allows that): handled once the broker answered. */
  let held: Buffer[] = [];
  let heldBytes = 0;
  let unsentToBrowser = 0;
  /** More than a packet's worth is unsent to the browser: neither side is read (the relay answers some packets itself). */
  let browserFull = false;
  /** The broker's connection does not take more: the browser is not read. */
  let upstreamFull = false;

  const connectTimer = setTimeout(() => (state === 'awaiting-connect' ? close(RELAY_CLOSE.refused, 'no CONNECT in time') : brokerUnreachable()), options.connectTimeoutMs ?? 10_000);
  let recheckTimer: NodeJS.Timeout | undefined;

  function close(code: number, reason: string): void {
    if (state === 'closed') return;
    state = 'closed';
    clearTimeout(connectTimer);
    clearTimeout(recheckTimer);
    upstream?.destroy();
    if (browser.readyState === browser.OPEN || browser.readyState === browser.CONNECTING) browser.close(code, truncateReason(reason));
  }

  /** The one answer to every failure before CONNACK: no errno, no banner, no timing class in the text. */
  function brokerUnreachable(): void {
    if (state === 'closed') return;
    if (version !== undefined && browser.readyState === browser.OPEN) {
      browser.send(browserCodec!.encode(version === 5 ? { cmd: 'connack', reasonCode: 136, sessionPresent: false } : { cmd: 'connack', returnCode: 3, sessionPresent: false }));
    }
    close(RELAY_CLOSE.brokerUnreachable, BROKER_UNREACHABLE);
  }

  /** Reads each side only while what it may cause has room: a packet's worth unsent to the browser, and the broker's write buffer. */
  function flowControl(): void {
    if (state === 'closed') return;
    const readBrowser = !browserFull && !upstreamFull;
    if (readBrowser === browser.isPaused) (readBrowser ? browser.resume() : browser.pause());
    if (upstream) (browserFull ? upstream.pause() : upstream.resume());
  }

  function toBrowser(packet: Packet): void {
    const bytes = browserCodec!.encode(packet);
    unsentToBrowser += bytes.length;
    browser.send(bytes, () => {
      unsentToBrowser -= bytes.length;
      if (browserFull && unsentToBrowser <= maxPacketBytes) {
        browserFull = false;
        flowControl();
      }
    });
    // Also the browser's side: SUBACKs of refused subscriptions come from the relay itself, and a
    // browser that sends SUBSCRIBEs without reading would otherwise queue them without bound.
    if (unsentToBrowser > maxPacketBytes && !browserFull) {
      browserFull = true;
      flowControl();
    }
  }

  function toBroker(packet: Packet): void {
    const bytes = brokerCodec!.encode(packet);
    if (!upstream!.write(bytes) && !upstreamFull) {
      upstreamFull = true;
      flowControl();
      upstream!.once('drain', () => {
        upstreamFull = false;
        flowControl();
      });
    }
  }

  function onBrowserFrame(frame: Buffer): void {
    if (state === 'closed') return;
    try {
      onBrowserPacket(frame);
    } catch (err) {
      close(RELAY_CLOSE.refused, `malformed MQTT: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  function onBrowserPacket(frame: Buffer): void {
    if (state === 'awaiting-connect') {
      // A CONNECT reads the same in every version (it carries its own): the codecs follow it.
      const connect = new MqttCodec(4).decode(frame);
      if (connect.cmd !== 'connect') return close(RELAY_CLOSE.refused, 'the first packet must be CONNECT');
      version = connect.protocolVersion ?? 4;
      browserCodec = new MqttCodec(version);
      brokerCodec = new MqttCodec(version);
      return connectUpstream(connect);
    }
    if (state === 'awaiting-connack') {
      heldBytes += frame.length;
      if (heldBytes > maxPacketBytes) return close(RELAY_CLOSE.refused, 'too much sent before the broker answered CONNECT');
      held.push(frame);
      return;
    }
    const packet = browserCodec!.decode(frame);
    if (packet.cmd === 'connect') return close(RELAY_CLOSE.refused, 'a second CONNECT is not allowed');
    if (!FROM_BROWSER.has(packet.cmd)) return close(RELAY_CLOSE.refused, `a ${packet.cmd.toUpperCase()} from the browser is not allowed`);
    switch (packet.cmd) {
      case 'subscribe': {
        if (packet.subscriptions.every((s) => policy.topics.some((f) => filterCovers(f, s.topic)))) return toBroker(packet);
        // 0x80 "failure" in 3.1.1, 0x87 "not authorized" in 5.
        return toBrowser({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => (version === 5 ? 0x87 : 0x80)) });
      }
      case 'publish': {
        if (!policy.canPublish) return close(RELAY_CLOSE.refused, 'your role does not allow publishing');
        // An alias would let a later PUBLISH name its topic by number, past the topic check.
        if (packet.properties?.topicAlias !== undefined) return close(RELAY_CLOSE.refused, 'topic aliases are not supported through the relay');
        if (!policy.topics.some((f) => topicMatches(f, packet.topic))) return close(RELAY_CLOSE.refused, `publishing to ${packet.topic} is outside the dataset's topics`);
        return toBroker(packet);
      }
      default:
        return toBroker(packet);
    }
  }

  function connectUpstream(connect: IConnectPacket): void {
    state = 'awaiting-connack';
    let answered = false;
    try {
      upstream = openBrokerTransport(new URL(policy.brokerUrl), policy.tls);
    } catch {
      return brokerUnreachable();
    }
    upstream.on('data', (bytes: Buffer) => {
      if (state === 'closed') return;
      // A CONNACK's first byte is 0x20: anything else is no MQTT broker, known without waiting for more.
      if (state === 'awaiting-connack' && bytes[0] !== 0x20 && !answered) return brokerUnreachable();
      answered = true;
      let frames: Buffer[];
      try {
        frames = fromBrokerFrames.push(bytes);
      } catch (err) {
        if (state !== 'open') return brokerUnreachable();
        if (err instanceof MqttFrameError && err.kind === 'too-large') return close(RELAY_CLOSE.tooLarge, `the broker sent ${err.message}`);
        return close(1011, 'the broker sent malformed MQTT');
      }
      for (const frame of frames) onBrokerFrame(frame);
    });
    upstream.on('error', () => (state === 'open' ? close(1011, 'the broker connection failed') : brokerUnreachable()));
    upstream.on('close', () => (state === 'open' ? close(1000, 'the broker closed the connection') : brokerUnreachable()));
    // Only values the relay chose, or numbers, go to a host that has not yet shown it speaks MQTT.
    toBroker({
      cmd: 'connect',
      protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: version,
      // MQTT 3.1 allows client ids of at most 23 characters.
      clientId: `sluice-preview-${randomBytes(version === 3 ? 4 : 6).toString('hex')}`,
      clean: true,
      keepalive: connect.keepalive,
      username: policy.username,
      password: policy.password === undefined ? undefined : Buffer.from(policy.password),
      properties: version === 5 ? connectProperties(connect, maxPacketBytes) : undefined,
    });
  }

  function onBrokerFrame(frame: Buffer): void {
    if (state === 'closed') return;
    try {
      onBrokerPacket(frame);
    } catch {
      if (state !== 'open') return brokerUnreachable();
      close(1011, 'the broker sent MQTT the relay cannot pass on');
    }
  }

  function onBrokerPacket(frame: Buffer): void {
    const packet = brokerCodec!.decode(frame);
    if (state === 'awaiting-connack') {
      const outcome = connackOutcome(packet, frame, brokerCodec!);
      if (outcome === 'invalid') return brokerUnreachable();
      // The browser may not use topic aliases (see PUBLISH): it is told the broker accepts none.
      if (packet.cmd === 'connack' && packet.properties) delete packet.properties.topicAliasMaximum;
      if (outcome === 'refused') {
        // A broker closes after refusing (MQTT 3.2.2.3, 5 §3.2.2.2); the relay does not wait for it.
        toBrowser(packet);
        return close(1000, 'the broker refused the connection');
      }
      state = 'open';
      clearTimeout(connectTimer);
      toBrowser(packet);
      scheduleRecheck();
      const pending = held;
      held = [];
      for (const f of pending) onBrowserFrame(f);
      return;
    }
    if (!FROM_BROKER.has(packet.cmd)) return close(1011, `the broker sent an unexpected ${packet.cmd.toUpperCase()}`);
    toBrowser(packet);
  }

  function scheduleRecheck(): void {
    const recheck = options.recheck;
    if (!recheck) return;
    recheckTimer = setTimeout(() => {
      recheck().then(
        (next) => {
          if (state === 'closed') return;
          if (!sameSource(policy, next)) return close(RELAY_CLOSE.sourceChanged, "the dataset's broker or topics changed: reconnect");
          policy.canPublish = next.canPublish;
          scheduleRecheck();
        },
        (err: unknown) => close(RELAY_CLOSE.refused, isSluiceError(err) ? `access revoked: ${err.message}` : 'access could not be checked again'),
      );
    }, options.recheckEveryMs ?? 2000);
  }

  browser.on('message', (data: Buffer, isBinary: boolean) => {
    if (state === 'closed') return;
    // MQTT over WebSocket is binary frames only (MQTT 3.1.1 §6, 5.0 §6).
    if (!isBinary) return close(RELAY_CLOSE.refused, 'MQTT must be sent in binary WebSocket messages');
    let frames: Buffer[];
    try {
      frames = fromBrowserFrames.push(data);
    } catch (err) {
      const tooLarge = err instanceof MqttFrameError && err.kind === 'too-large';
      return close(tooLarge ? RELAY_CLOSE.tooLarge : RELAY_CLOSE.refused, tooLarge ? err.message : 'malformed MQTT');
    }
    for (const frame of frames) onBrowserFrame(frame);
  });
  browser.on('close', () => close(1000, 'closed by the browser'));
  browser.on('error', () => close(1011, 'browser connection failed'));
}

/** MQTT 5 CONNACK reason codes (§3.2.2.2); 3.1.1's return codes are 0–5 (§3.2.2.3). */
const CONNACK_REASONS_V5 = new Set([0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f]);

/**
 * Whether the broker's first packet is a CONNACK exactly as MQTT defines it for the relay's clean
 * CONNECT: nothing but its fields (mqtt-packet skips bytes it did not read, so the frame must be as
 * long as the packet re-encoded), no session present, a defined code. A CONNACK-shaped prefix of
 * some other protocol's answer is 'invalid', so nothing after it is ever passed on.
 */
function connackOutcome(packet: Packet, frame: Buffer, codec: MqttCodec): 'accepted' | 'refused' | 'invalid' {
  if (packet.cmd !== 'connack' || packet.sessionPresent) return 'invalid';
  const code = codec.protocolVersion === 5 ? packet.reasonCode : packet.returnCode;
  const defined = codec.protocolVersion === 5 ? CONNACK_REASONS_V5.has(code ?? -1) : code !== undefined && code >= 0 && code <= 5;
  if (!defined || codec.encode(packet).length !== frame.length) return 'invalid';
  return code === 0 ? 'accepted' : 'refused';
}

/** The MQTT 5 CONNECT properties passed on: flow control only (no session expiry, no user properties, no enhanced auth). */
function connectProperties(connect: IConnectPacket, maxPacketBytes: number): IConnectPacket['properties'] {
  const p = connect.properties ?? {};
  const kept = {
    receiveMaximum: p.receiveMaximum,
    // The broker must not send the browser a packet the relay would refuse (MQTT 5 §3.1.2.11.4).
    maximumPacketSize: Math.min(p.maximumPacketSize ?? Infinity, maxPacketBytes + 5),
    topicAliasMaximum: p.topicAliasMaximum,
    requestProblemInformation: p.requestProblemInformation,
  };
  return Object.fromEntries(Object.entries(kept).filter(([, v]) => v !== undefined));
}

function sameSource(a: RelayPolicy, b: RelayPolicy): boolean {
  const source = (p: RelayPolicy) => JSON.stringify([p.accountId, p.brokerUrl, p.tls ?? {}, p.username, p.password, p.topics]);
  return source(a) === source(b);
}

/** A close reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5). */
function truncateReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
}
