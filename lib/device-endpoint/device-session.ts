import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';
import { credentialRefusal, type DeviceIdentity } from '../devices/device-credential';
import { authenticateDevice } from '../devices/authenticate-device';
import { publishTopicRefusal, topicMatches } from '../ingest/fetch/topic-filter';
import { MqttCodec, type MqttVersion } from '../mqtt/mqtt-codec';
import { MqttFrameError, MqttFramer } from '../mqtt/mqtt-framer';
import { unpinnedPayload } from '../mqtt/publish-packet';
import { isRedelivery, qos2MessageDigest } from '../mqtt/qos2-receipts';
import type { DeviceEndpointContext } from './endpoint-context';
import type { InboxMessage, PushTarget } from './ports';
import type { SessionReceipt } from './session-registry';

/** Per-connection limits of the device endpoint. */
export interface DeviceLimits {
  /** The largest packet a device may send (its remaining length, bytes); larger ones close the connection. */
  maxPacketBytes: number;
  /** The largest packet before the connection authenticated (its CONNECT). */
  maxConnectBytes: number;
  /** Connections per client address that have not authenticated yet; more are closed at once. */
  unauthenticatedPerAddress: number;
  /**
   * Messages (any QoS) of one connection awaiting their commit; past it the connection is read no
   * further until they are acknowledged. Also the most unreleased QoS 2 messages a session holds
   * (MQTT 5's receive maximum): one more closes the connection.
   */
  maxInflight: number;
  /** Messages per second one connection may send (a burst of as many); faster senders are read more slowly. */
  messagesPerSecond: number;
  /** Open connections per credential. */
  connectionsPerCredential: number;
  /**
   * Client ids per credential that hold stored QoS 2 receipts (sessions with unreleased messages);
   * a connection of another client id is refused past it, so what one credential leaves behind is bounded.
   */
  qos2SessionsPerCredential: number;
  /** How long a new connection has to send CONNECT. */
  connectTimeoutMs: number;
}

/** MQTT 5 reason codes the endpoint sends (MQTT 5.0 §2.4). */
export const REASON = {
  noMatchingSubscribers: 0x10,
  noSubscriptionExisted: 0x11,
  unspecified: 0x80,
  malformed: 0x81,
  protocolError: 0x82,
  implementationSpecific: 0x83,
  clientIdNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  packetIdNotFound: 0x92,
  receiveMaximumExceeded: 0x93,
  topicNameInvalid: 0x90,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  sessionTakenOver: 0x8e,
  keepAliveTimeout: 0x8d,
  connectionRateExceeded: 0x9f,
} as const;

/** The last DeviceSession.serial given. */
let connectionSerial = 0;

/** Answers queued for a device that does not read them, past which its connection is closed. */
const MAX_UNSENT_BYTES = 1024 * 1024;

/** An acknowledgement waiting for its commit or for the ones before it. */
interface PendingAck {
  packet: Packet;
  ready: boolean;
  /** It settles an in-flight message when sent. */
  inflight: boolean;
}

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3). */
const RETURN = { identifierRejected: 2, serverUnavailable: 3, badUserNameOrPassword: 4, notAuthorized: 5 } as const;

/**
 * One device's connection to the publish-only endpoint, over any byte stream (TCP, TLS or a
 * WebSocket's). Packets are cut by MqttFramer (a packet over the limit is refused from its header)
 * and parsed by mqtt-packet; nothing is parsed by hand.
 *
 * Contract:
 * - The first packet must be a CONNECT whose username and password are a usable device credential
 *   (not revoked or expired); failures count against the client address (FailedAuthLimiter).
 * - SUBSCRIBE is answered with failure codes for every filter; the endpoint sends nothing to devices.
 * - A PUBLISH must match the credential's allowed filters (when it has any) and the topic filter of
 *   at least one push dataset of the credential's workspace; otherwise it is refused — MQTT 5 with
 *   a reason code in its PUBACK/PUBREC (QoS 0: dropped), MQTT 3.1.1 by closing the connection — and
 *   counted as a refusal.
 * - Durable before acknowledged: a QoS 1 PUBACK and a QoS 2 PUBREC are sent only after the inbox
 *   rows (and for QoS 2 the session's receipt of the packet id) committed; acknowledgements leave
 *   in the order the messages came. A QoS 2 packet id with a receipt (in this process or persisted
 *   by an earlier connection of the same session) is acknowledged again and not stored twice until
 *   its PUBREL releases it; the PUBCOMP leaves once the release committed.
 */
export class DeviceSession {
  private readonly framer: MqttFramer;
  private readonly decoder = new MqttCodec(4);
  private encoder: MqttCodec | undefined;
  private version: MqttVersion = 4;
  private identity: DeviceIdentity | undefined;
  private clientId = '';
  /**
   * Packets are handled one after another, synchronously when nothing needs waiting for; while one
   * waits (CONNECT's authentication, the rate limit, a workspace's push datasets) the next ones queue here.
   */
  private backlog: Packet[] = [];
  private waiting = false;
  /** Acknowledgements not sent yet, in message order: each leaves once it may and every one before it left. */
  private acks: PendingAck[] = [];
  /** The last topic this connection published to and its push datasets, while the workspace's targets are unchanged (devices mostly repeat a topic). */
  private lastRoute: { topic: string; from: Promise<PushTarget[]>; datasets: string[] } | undefined;
  private inflight = 0;
  private tokens: number;
  private tokensAt = Date.now();
  private paused = false;
  /** The stream's write buffer is full: reading waits for its 'drain'. */
  private writeBlocked = false;
  /** Packets sent in this tick and not written yet (see send). */
  private unsent: Buffer[] = [];
  private resumeTimer: NodeJS.Timeout | undefined;
  /** The MQTT session's state: QoS 2 packet ids stored (or being stored) and not yet released, with their commit. */
  private receipts = new Map<number, SessionReceipt>();
  /** Whether the session outlives this connection (not a clean start). */
  private persistent = false;
  /** Before CONNECT, the connect timeout; then the keep-alive check (MQTT §3.1.2.10). */
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private keepAliveMs = 0;
  /** When the last packet came (Date.now()). */
  private lastPacketAt = 0;
  private closed = false;
  /** This connection among the process's (from 1): which one took a receipt. */
  private readonly serial = ++connectionSerial;
  private releaseRegistration: ((keep: boolean) => void) | undefined;
  /** Counted among its address's unauthenticated connections. */
  private unauthenticated: boolean;

  constructor(
    private readonly stream: Duplex,
    readonly address: string,
    private readonly ctx: DeviceEndpointContext,
  ) {
    this.framer = new MqttFramer(ctx.limits.maxConnectBytes);
    this.tokens = ctx.limits.messagesPerSecond;
    this.keepAliveTimer = setTimeout(() => this.close(), ctx.limits.connectTimeoutMs);
    this.unauthenticated = ctx.unauthenticated.enter(address);
    if (!this.unauthenticated) {
      stream.on('error', () => undefined);
      this.close();
      return;
    }
    stream.on('data', (bytes: Buffer) => this.onBytes(bytes));
    stream.on('error', () => this.close());
    stream.on('close', () => this.close());
    stream.on('end', () => this.close());
  }

  get credentialId(): string | undefined {
    return this.identity?.credentialId;
  }

  /** Ends the connection; with MQTT 5 and a reason, a DISCONNECT says why first. */
  close(reasonCode?: number): void {
    if (this.closed) return;
    if (reasonCode !== undefined && this.version === 5 && this.encoder) this.send({ cmd: 'disconnect', reasonCode });
    this.flush();
    this.closed = true;
    this.authenticated();
    clearTimeout(this.keepAliveTimer);
    clearTimeout(this.resumeTimer);
    this.releaseRegistration?.(this.persistent);
    this.stream.end();
    this.stream.destroy();
  }

  private onBytes(bytes: Buffer): void {
    if (this.closed) return;
    let packets: Buffer[];
    try {
      packets = this.framer.push(bytes);
    } catch (err) {
      if (err instanceof MqttFrameError && err.kind === 'too-large') this.refuse((err as Error).message);
      return this.close(err instanceof MqttFrameError && err.kind === 'too-large' ? REASON.packetTooLarge : REASON.malformed);
    }
    for (const frame of packets) {
      let packet: Packet;
      try {
        packet = this.decoder.decode(frame);
      } catch {
        return this.close(REASON.malformed);
      }
      if (this.waiting) this.backlog.push(packet);
      else this.run(packet);
    }
  }

  /** Handles a packet; if it has to wait, later packets queue until it is done. */
  private run(packet: Packet): void {
    if (this.closed) return;
    let pending: void | Promise<void>;
    try {
      pending = this.handle(packet);
    } catch (err) {
      return this.crashed(err);
    }
    if (!pending) return;
    this.waiting = true;
    // Nothing more is read while a packet waits: the backlog holds at most what was already read
    // (one chunk), not whatever a client sends while its CONNECT is checked or a commit runs.
    this.pause();
    pending.then(
      () => {
        this.waiting = false;
        while (!this.waiting && this.backlog.length) this.run(this.backlog.shift()!);
        this.maybeResume();
      },
      (err: unknown) => this.crashed(err),
    );
  }

  private crashed(err: unknown): void {
    this.ctx.log(`device endpoint: ${this.identity?.username ?? this.address}: ${(err as Error).message}`);
    this.close(REASON.unspecified);
  }

  private handle(p: Packet): void | Promise<void> {
    this.lastPacketAt = Date.now();
    if (!this.identity) {
      clearTimeout(this.keepAliveTimer);
      if (p.cmd !== 'connect') return this.close(REASON.protocolError);
      return this.onConnect(p);
    }
    const refill = this.spendToken();
    if (refill) return refill.then(() => (this.closed ? undefined : this.dispatch(p)));
    return this.dispatch(p);
  }

  private dispatch(p: Packet): void | Promise<void> {
    switch (p.cmd) {
      case 'publish':
        return this.onPublish(p);
      case 'pubrel':
        return this.onPubrel(p.messageId!);
      case 'subscribe':
        // Publish-only: every filter refused (MQTT 5: Not authorized; 3.1.1: Failure).
        this.refuse('SUBSCRIBE refused: the endpoint is publish-only');
        return this.send({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => (this.version === 5 ? REASON.notAuthorized : 0x80)) });
      case 'unsubscribe':
        return this.send({ cmd: 'unsuback', messageId: p.messageId, granted: this.version === 5 ? p.unsubscriptions.map(() => REASON.noSubscriptionExisted) : [] });
      case 'pingreq':
        return this.send({ cmd: 'pingresp' });
      case 'disconnect':
        return this.close();
      default:
        // A second CONNECT, AUTH, or a packet only servers send.
        return this.close(REASON.protocolError);
    }
  }

  private async onConnect(p: IConnectPacket): Promise<void> {
    this.version = (p.protocolVersion ?? 4) as MqttVersion;
    this.encoder = new MqttCodec(this.version);
    const v5 = this.version === 5;
    const refuse = (reasonCode: number, returnCode: number) => {
      this.send(v5 ? { cmd: 'connack', sessionPresent: false, reasonCode } : { cmd: 'connack', sessionPresent: false, returnCode });
      this.close();
    };
    const auth = await authenticateDevice(this.ctx.store, this.ctx.authLimiter, this.address, p.username, p.password?.toString('utf8') ?? '');
    if (auth.outcome === 'rate-limited') return refuse(REASON.connectionRateExceeded, RETURN.notAuthorized);
    if (auth.outcome === 'wrong') {
      if (auth.device) this.ctx.counts.refusal(auth.device.credentialId, `wrong secret from ${this.address}`);
      return refuse(REASON.badUserNameOrPassword, RETURN.badUserNameOrPassword);
    }
    const device = auth.device;
    const why = credentialRefusal(device, this.ctx.now());
    if (why) {
      this.ctx.counts.refusal(device.credentialId, `connection with a ${why} credential`);
      return refuse(REASON.notAuthorized, RETURN.notAuthorized);
    }
    const clean = p.clean !== false;
    let assigned: string | undefined;
    this.clientId = p.clientId;
    if (!this.clientId) {
      // MQTT 3.1.1 §3.1.3.1: an empty client id only with a clean session; MQTT 5 assigns one.
      if (!clean && !v5) return refuse(REASON.clientIdNotValid, RETURN.identifierRejected);
      this.clientId = assigned = `sluice-${randomBytes(8).toString('hex')}`;
    }
    const registered = this.ctx.sessions.register(device.credentialId, this.clientId, this);
    if (!registered) {
      this.ctx.counts.refusal(device.credentialId, `more than ${this.ctx.limits.connectionsPerCredential} connections`);
      return refuse(REASON.quotaExceeded, RETURN.serverUnavailable);
    }
    this.releaseRegistration = registered.release;
    this.persistent = !clean;
    this.identity = device;
    this.authenticated();
    this.framer.setLimit(this.ctx.limits.maxPacketBytes);
    this.keepAliveMs = (p.keepalive ?? 0) * 1500;
    const state = registered.state;
    this.receipts = state.receipts;
    // An earlier connection's commits land first: a redelivery must find their receipts (or a clean start clear them).
    await Promise.allSettled([...state.receipts.values()].map((r) => r.committed));
    if (clean) {
      state.receipts.clear();
      await this.ctx.store.clearQos2Receipts(device.credentialId, this.clientId);
      state.loaded = true;
    } else if (!state.loaded) {
      for (const [id, digest] of await this.ctx.store.loadQos2Receipts(device.credentialId, this.clientId)) state.receipts.set(id, { committed: Promise.resolve(), digest, connection: 0 });
      state.loaded = true;
    }
    if (state.receipts.size === 0 && (await this.ctx.store.countQos2Sessions(device.credentialId, this.clientId)) >= this.ctx.limits.qos2SessionsPerCredential) {
      this.ctx.counts.refusal(device.credentialId, `more than ${this.ctx.limits.qos2SessionsPerCredential} sessions with unreleased QoS 2 messages`);
      return refuse(REASON.quotaExceeded, RETURN.serverUnavailable);
    }
    const sessionPresent = !clean && state.receipts.size > 0;
    if (this.closed) return;
    this.ctx.store.recordConnection(device.credentialId, this.address, this.ctx.now()).catch((err: Error) => this.ctx.log(`device endpoint: recording a connection failed: ${err.message}`));
    this.send({
      cmd: 'connack',
      sessionPresent,
      ...(v5
        ? {
            reasonCode: 0,
            properties: {
              receiveMaximum: this.ctx.limits.maxInflight,
              maximumPacketSize: this.ctx.limits.maxPacketBytes + 5,
              topicAliasMaximum: 0,
              wildcardSubscriptionAvailable: false,
              subscriptionIdentifiersAvailable: false,
              sharedSubscriptionAvailable: false,
              ...(assigned ? { assignedClientIdentifier: assigned } : {}),
            },
          }
        : { returnCode: 0 }),
    });
    // The keep-alive runs from the CONNACK (authentication may take a while).
    this.lastPacketAt = Date.now();
    this.checkKeepAlive();
  }

  private onPublish(p: IPublishPacket): void | Promise<void> {
    const id = p.messageId;
    const digest = p.qos === 2 ? qos2MessageDigest(p) : undefined;
    const receipt = p.qos === 2 ? this.receipts.get(id!) : undefined;
    if (receipt && isRedelivery(receipt.digest, digest!)) {
      // A redelivery of a message already stored: acknowledged again once its commit is done.
      return this.acknowledge(receipt.committed, { cmd: 'pubrec', messageId: id });
    }
    if (receipt && receipt.connection === this.serial) {
      // An id is not reused before its PUBCOMP (MQTT-2.2.1-3): from this connection, another
      // message under one it holds is a protocol error, not a sender that lost its state. (Taken
      // for a new message, a stream of them made every group commit rewrite one receipt row.)
      this.refuse(`QoS 2 packet id ${id} reused before its release`);
      return this.close(REASON.protocolError);
    }
    // Another message under an id an earlier connection left unreleased (a device that lost its
    // state reused it) is stored, and its receipt replaces the stale one.
    if (p.qos === 2 && !receipt && this.receipts.size >= this.ctx.limits.maxInflight) {
      // Unreleased QoS 2 messages are in flight until their PUBCOMP (MQTT 5 §4.9): past the receive
      // maximum the CONNACK announced, each would be one more receipt stored for the session.
      this.refuse(`more than ${this.ctx.limits.maxInflight} unreleased QoS 2 messages`);
      return this.close(REASON.receiveMaximumExceeded);
    }
    const route = this.route(this.identity!, p.topic);
    if (route instanceof Promise) return route.then((datasets) => this.store(p, datasets, digest));
    return this.store(p, route, digest);
  }

  /**
   * Stores a PUBLISH in the inbox of its push datasets and acknowledges it once committed, or
   * refuses it (`refusal`). `digest`: a QoS 2 message's, for its receipt.
   */
  private store(p: IPublishPacket, refusal: string[] | string, digest: string | undefined): void | Promise<void> {
    // Taken over or closed while its push datasets were looked up: the session's next connection
    // has looked at its receipts already, and the device sends the message again.
    if (this.closed) return;
    const identity = this.identity!;
    const qos = p.qos;
    const id = p.messageId;
    if (typeof refusal === 'string') {
      this.refuse(refusal);
      if (this.version !== 5) return this.close();
      const reasonCode = refusal.startsWith('no push dataset') || refusal.startsWith('topic not publishable') ? REASON.topicNameInvalid : REASON.notAuthorized;
      if (qos === 1) return this.acknowledge(undefined, { cmd: 'puback', messageId: id, reasonCode });
      if (qos === 2) return this.acknowledge(undefined, { cmd: 'pubrec', messageId: id, reasonCode });
      return;
    }
    const receivedAt = this.ctx.now();
    // mqtt-packet's payload is a view into the packet's buffer: held until the commit, it would keep all of it alive.
    const payload = Buffer.isBuffer(p.payload) ? unpinnedPayload(p.payload) : Buffer.from(p.payload);
    const messages: InboxMessage[] = refusal.map((datasetId) => ({ workspaceId: identity.workspaceId, datasetId, credentialId: identity.credentialId, topic: p.topic, payload, qos, receivedAt }));
    const receipt = qos === 2 ? [{ credentialId: identity.credentialId, clientId: this.clientId, packetId: id!, digest: digest! }] : [];
    const committed = this.ctx.inbox.write({ messages, receipts: receipt, releases: [] });
    this.ctx.counts.message(identity.credentialId);
    this.inflight++;
    if (qos === 0) {
      // No acknowledgement, but held in memory all the same until it commits: at the limit, the
      // connection's next packet waits for this commit (commits land in order).
      const done = committed.then(
        () => this.settled(),
        (err: Error) => (this.settled(), this.failed(err)),
      );
      if (this.inflight >= this.ctx.limits.maxInflight) {
        this.pause();
        return done;
      }
      return;
    }
    if (qos === 2) this.takeReceipt(id!, { committed, digest: digest!, connection: this.serial });
    if (this.inflight >= this.ctx.limits.maxInflight) this.pause();
    this.acknowledge(committed, { cmd: qos === 1 ? 'puback' : 'pubrec', messageId: id }, true);
  }

  /**
   * Records a receipt until its commit fails: a failed commit stored nothing, so the receipt goes
   * (or the one it replaced comes back), and the message's resend is stored, not answered from a
   * commit that never landed (which closed every later connection of the session, for good).
   */
  private takeReceipt(id: number, receipt: SessionReceipt): void {
    const receipts = this.receipts;
    const replaced = receipts.get(id);
    receipts.set(id, receipt);
    receipt.committed.catch(() => {
      if (receipts.get(id) !== receipt) return;
      if (replaced) receipts.set(id, replaced);
      else receipts.delete(id);
    });
  }

  /** A message left the connection's in-flight count (committed; for QoS 1 and 2, acknowledged). */
  private settled(): void {
    this.inflight--;
    this.maybeResume();
  }

  private onPubrel(id: number): void {
    const identity = this.identity!;
    const stored = this.receipts.get(id);
    if (!stored) {
      return this.acknowledge(undefined, { cmd: 'pubcomp', messageId: id, ...(this.version === 5 ? { reasonCode: REASON.packetIdNotFound } : {}) });
    }
    this.receipts.delete(id);
    const released = stored.committed.then(() => this.ctx.inbox.write({ messages: [], receipts: [], releases: [{ credentialId: identity.credentialId, clientId: this.clientId, packetId: id }] }));
    this.acknowledge(released, { cmd: 'pubcomp', messageId: id });
  }

  /**
   * Sends `packet` once `durable` (none: at once) resolved and every earlier acknowledgement was
   * sent; `inflight`: it settles an in-flight message. A failed commit closes the connection, and
   * nothing after it is acknowledged.
   */
  private acknowledge(durable: Promise<void> | undefined, packet: Packet, inflight = false): void {
    const ack: PendingAck = { packet, ready: !durable, inflight };
    this.acks.push(ack);
    if (!durable) return this.sendReadyAcks();
    durable.then(
      () => {
        ack.ready = true;
        this.sendReadyAcks();
      },
      (err: Error) => this.failed(err),
    );
  }

  private sendReadyAcks(): void {
    while (this.acks.length && this.acks[0].ready && !this.closed) {
      const { packet, inflight } = this.acks.shift()!;
      if (inflight) this.settled();
      this.send(packet);
    }
  }

  private failed(err: Error): void {
    if (this.closed) return;
    this.ctx.log(`device endpoint: storing messages of ${this.identity?.username ?? this.address} failed (${err.message}); closing its connection unacknowledged`);
    this.close(REASON.unspecified);
  }

  /**
   * The push datasets a topic goes to, or why the device may not publish there; at once when the
   * topic is the one before and the workspace's push datasets are the same.
   */
  private route(identity: DeviceIdentity, topic: string): string[] | string | Promise<string[] | string> {
    const current = this.ctx.targets(identity.workspaceId);
    const last = this.lastRoute;
    if (last && last.topic === topic && last.from === current) return last.datasets;
    const invalid = publishTopicRefusal(topic);
    if (invalid) return `topic not publishable: ${invalid}`;
    if (identity.allowedFilters.length && !identity.allowedFilters.some((f) => topicMatches(f, topic))) return `topic "${topic.slice(0, 200)}" is outside the credential's allowed filters`;
    return current.then((all) => {
      const datasets = all.filter((t) => topicMatches(t.topicFilter, topic)).map((t) => t.datasetId);
      if (datasets.length === 0) return `no push dataset receives topic "${topic.slice(0, 200)}"`;
      this.lastRoute = { topic, from: current, datasets };
      return datasets;
    });
  }

  /** The connection no longer counts among its address's unauthenticated ones. */
  private authenticated(): void {
    if (!this.unauthenticated) return;
    this.unauthenticated = false;
    this.ctx.unauthenticated.leave(this.address);
  }

  /** Counts a refusal against the credential (shown on the Devices page). */
  private refuse(reason: string): void {
    if (this.identity) this.ctx.counts.refusal(this.identity.credentialId, reason);
  }

  /**
   * Writes a packet. A device that does not read its answers makes them queue: reading pauses until
   * the stream drains, and a connection whose queue still passes MAX_UNSENT_BYTES is closed.
   */
  private send(packet: Packet): void {
    if (this.closed || !this.encoder) return;
    // A commit releases many acknowledgements at once: they leave joined in one write at the end of
    // this tick, not a system call each, nor a stream write each (corked, they cost a writev entry each).
    if (this.unsent.push(this.encoder.encode(packet)) === 1) process.nextTick(() => this.flush());
  }

  /** Writes what was sent in this tick (see send). */
  private flush(): void {
    const parts = this.unsent;
    if (parts.length === 0 || this.closed) return;
    this.unsent = [];
    if (this.stream.write(parts.length === 1 ? parts[0] : Buffer.concat(parts))) return;
    if (this.stream.writableLength > MAX_UNSENT_BYTES) return void this.stream.destroy();
    if (this.writeBlocked) return;
    this.writeBlocked = true;
    this.pause();
    this.stream.once('drain', () => {
      this.writeBlocked = false;
      this.maybeResume();
    });
  }

  /**
   * Closes the connection once no packet came for 1.5 keep-alive periods. One timer per connection,
   * re-armed when it fires (not on every packet: a packet only notes its time).
   */
  private checkKeepAlive(): void {
    if (this.closed || this.keepAliveMs <= 0) return;
    const quiet = Date.now() - this.lastPacketAt;
    if (quiet >= this.keepAliveMs) return this.close(REASON.keepAliveTimeout);
    this.keepAliveTimer = setTimeout(() => this.checkKeepAlive(), this.keepAliveMs - quiet);
  }

  /**
   * Packet rate: every packet after CONNECT (PUBLISH, PINGREQ, SUBSCRIBE, …) spends a token of a
   * bucket of `messagesPerSecond`; an empty bucket pauses reading, and the packets already read
   * wait, until it refills (the returned promise).
   */
  private spendToken(): Promise<void> | undefined {
    const { messagesPerSecond } = this.ctx.limits;
    const now = this.lastPacketAt;
    this.tokens = Math.min(messagesPerSecond, this.tokens + ((now - this.tokensAt) / 1000) * messagesPerSecond);
    this.tokensAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return undefined;
    this.pause();
    return new Promise<void>((resolve) => {
      this.resumeTimer = setTimeout(() => {
        this.resumeTimer = undefined;
        this.maybeResume();
        resolve();
      }, Math.ceil((-this.tokens / messagesPerSecond) * 1000));
    });
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.stream.pause();
  }

  private maybeResume(): void {
    if (!this.paused || this.closed || this.waiting || this.resumeTimer || this.writeBlocked || this.inflight >= this.ctx.limits.maxInflight) return;
    this.paused = false;
    this.stream.resume();
  }
}
