import mqtt, { type MqttClient } from 'mqtt';
import { printableText, toHex } from '../../data/payload-view';
import type { Row } from '../../data/row';
import { readMessage, type ReaderConfig } from '../../ingest/read/read-message';
import type { DataSchema } from '../../odf/data-type';
import type { InboxPreviewEvent } from '../../devices/inbox-preview';
import { MessageRing } from './message-ring';

export type ConnectionState =
  | { status: 'disconnected' }
  | { status: 'connecting'; url: string }
  | { status: 'connected'; url: string }
  | { status: 'reconnecting'; url: string; reason?: string }
  | { status: 'error'; url: string; message: string; code?: number };

/** What the pull would do with a message: its rows, the reason it would be quarantined, or unchecked. */
export type MessageCheck = { kind: 'rows'; rows: Row[] } | { kind: 'quarantine'; reason: string } | { kind: 'unchecked'; reason: string };

export interface PreviewMessage {
  seq: number;
  receivedAt: number;
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Bytes the ring accounts for this message (payload plus its decoded text). */
  size: number;
  payload: Uint8Array;
  /** The payload as text, or its first bytes in hex when it is not text: for the list and the text filter. */
  text: string;
  check: MessageCheck;
}

export interface PreviewChecker {
  read: ReaderConfig | null;
  readSchema: DataSchema | null;
  maxPayloadBytes: number;
  /** Why payloads cannot be checked, when `read` is null. */
  problem: string | null;
}

export interface PreviewLimits {
  maxMessages: number;
  maxBytes: number;
}

/**
 * The live preview's model, outside React: an MQTT-over-WebSocket connection with its own
 * short-lived, clean-session client id (never the dataset's, so previewing cannot take or
 * acknowledge the pull's backlog), a capped message ring, per-topic counts, and a change signal
 * coalesced to one per animation frame so a flood of messages cannot flood rendering.
 */
export class PreviewStore {
  readonly ring: MessageRing<PreviewMessage>;
  readonly topicCounts = new Map<string, number>();
  received = 0;
  quarantined = 0;
  connection: ConnectionState = { status: 'disconnected' };
  /** Inbox messages not yet folded into the chain (a push dataset's preview only). */
  backlog: number | undefined;
  private client: MqttClient | undefined;
  private inbox: EventSource | undefined;
  /** The newest inbox id shown: a reconnected stream starts with messages already shown. */
  private lastInboxId = -1n;
  private version = 0;
  private scheduled = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly checker: PreviewChecker,
    limits: PreviewLimits,
  ) {
    this.ring = new MessageRing(limits.maxMessages, limits.maxBytes);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  connect(opts: { url: string; topics: { path: string; qos: 0 | 1 | 2 }[] }): void {
    this.disconnect();
    const url = opts.url;
    this.setConnection({ status: 'connecting', url });
    const client = mqtt.connect(url, {
      clientId: `sluice-preview-${Math.random().toString(16).slice(2, 14)}`,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: 5000,
    });
    this.client = client;
    client.on('connect', () => {
      this.followRelayClose(client, url);
      if (!opts.topics.length) return this.setConnection({ status: 'connected', url });
      // "Connected" once the broker granted the subscriptions: a message published before that
      // would not reach this clean session, and the page would claim to be listening.
      client.subscribe(Object.fromEntries(opts.topics.map((t) => [t.path, { qos: t.qos }])), (err, granted) => {
        const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
        if (err || refused.length) this.setConnection({ status: 'error', url, message: err ? err.message : `the broker refused the subscription to ${refused.join(', ')}` });
        else this.setConnection({ status: 'connected', url });
      });
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      const code = typeof err.code === 'number' ? err.code : undefined;
      this.setConnection({ status: 'error', url, message: describeConnectError(err, code), code });
    });
    client.on('close', () => {
      if (this.client !== client || this.connection.status === 'error') return;
      const reason = this.connection.status === 'connected' ? 'the connection closed' : `cannot reach ${url}`;
      this.setConnection({ status: 'reconnecting', url, reason });
    });
    client.on('message', (topic, payload, packet) => this.add(topic, payload, packet.qos, packet.retain));
  }

  /**
   * Sluice's relay closes with a code of 4000–4999 and a reason when it refuses something (access
   * ended, a packet too large, publishing not allowed): mqtt.js does not pass those on, so they are
   * read from its WebSocket, shown as the error, and not retried (reconnecting would be refused
   * again; after a change of the dataset's source, Connect starts afresh).
   */
  private followRelayClose(client: MqttClient, url: string): void {
    const socket = (client.stream as { socket?: unknown } | undefined)?.socket;
    if (!(typeof WebSocket !== 'undefined' && socket instanceof WebSocket)) return;
    socket.addEventListener('close', (e) => {
      if (this.client !== client || e.code < 4000 || e.code > 4999 || !e.reason) return;
      this.client = undefined;
      client.end(true);
      this.setConnection({ status: 'error', url, message: e.reason });
    });
  }

  /**
   * A push dataset: devices publish through Sluice, so instead of a broker the preview follows the
   * dataset's inbox event stream on the console (messages as they commit, and the backlog).
   */
  followInbox(path: string): void {
    this.disconnect();
    const source = new EventSource(path);
    this.inbox = source;
    this.setConnection({ status: 'connecting', url: path });
    source.onopen = () => this.setConnection({ status: 'connected', url: path });
    source.onerror = () => {
      if (this.inbox !== source) return;
      // CLOSED: the console answered with an error (no access, not a push dataset); otherwise EventSource retries.
      this.setConnection(source.readyState === EventSource.CLOSED ? { status: 'error', url: path, message: 'the console refused the inbox stream' } : { status: 'reconnecting', url: path, reason: 'the stream closed' });
    };
    source.onmessage = (e: MessageEvent<string>) => {
      const event = JSON.parse(e.data) as InboxPreviewEvent;
      this.backlog = event.backlog;
      for (const m of event.messages) {
        const id = BigInt(m.id);
        if (id <= this.lastInboxId) continue;
        this.lastInboxId = id;
        this.add(m.topic, Uint8Array.from(atob(m.payload), (c) => c.charCodeAt(0)), m.qos, false, Date.parse(m.receivedAt));
      }
      this.changed();
    };
  }

  disconnect(): void {
    const client = this.client;
    this.client = undefined;
    client?.end(true);
    this.inbox?.close();
    this.inbox = undefined;
    if (this.connection.status !== 'disconnected') this.setConnection({ status: 'disconnected' });
  }

  publish(topic: string, payload: string, qos: 0 | 1 | 2, retain: boolean): Promise<void> {
    const client = this.client;
    if (!client?.connected) return Promise.reject(new Error('not connected to the broker'));
    return new Promise((resolve, reject) => client.publish(topic, payload, { qos, retain }, (err) => (err ? reject(err) : resolve())));
  }

  clear(): void {
    this.ring.clear();
    this.topicCounts.clear();
    this.received = 0;
    this.quarantined = 0;
    this.changed();
  }

  /** Takes one message in: copies its bytes (the socket's buffer is reused), checks it, buffers it. */
  add(topic: string, payload: Uint8Array, qos: 0 | 1 | 2, retain: boolean, receivedAt = Date.now()): void {
    const bytes = new Uint8Array(payload);
    const head = bytes.subarray(0, 64 * 1024);
    const text = printableText(head) ?? `hex ${toHex(head, 48)}`;
    const check = this.check(topic, bytes);
    if (check.kind === 'quarantine') this.quarantined++;
    this.received++;
    this.topicCounts.set(topic, (this.topicCounts.get(topic) ?? 0) + 1);
    this.ring.push({ seq: this.received, receivedAt, topic, qos, retain, size: bytes.length + text.length * 2 + 200, payload: bytes, text, check });
    this.changed();
  }

  private check(topic: string, payload: Uint8Array): MessageCheck {
    const { read, readSchema, maxPayloadBytes, problem } = this.checker;
    if (!read) return { kind: 'unchecked', reason: problem ?? 'no read step' };
    if (!readSchema) return { kind: 'unchecked', reason: 'no read schema yet (it is inferred by the first pull)' };
    const r = readMessage(read, readSchema, { topic, payload }, { maxPayloadBytes });
    return r.ok ? { kind: 'rows', rows: r.rows } : { kind: 'quarantine', reason: r.reason };
  }

  private setConnection(state: ConnectionState): void {
    this.connection = state;
    this.changed();
  }

  private changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      this.version++;
      for (const l of this.listeners) l();
    };
    if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) requestAnimationFrame(flush);
    else setTimeout(flush, 100);
  }
}

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3), as a person reads them. */
const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

function describeConnectError(err: Error, code: number | undefined): string {
  if (code !== undefined && CONNACK_REASONS[code]) return `the broker refused the connection: ${CONNACK_REASONS[code]} (code ${code})`;
  return err.message || 'connection failed';
}
