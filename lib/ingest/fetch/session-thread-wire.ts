import { packedBytes, packedTransferables, ReadAheadPacker, ReadAheadResults, type PackedReadResults, type ReadAheadPlan } from '../read/read-ahead';
import type { QosLevel, ReceivedMessage } from './mqtt-session';

/**
 * What a pull's session thread (threaded-mqtt-session.ts) sends the pulling thread: what the broker
 * sent, in arrival order, as a few transferable arrays per batch instead of one cloned object per
 * message. Payloads share one ArrayBuffer that moves to the receiving thread without a copy; each
 * received message's payload is a view into it.
 */
export interface SessionEventBatch {
  /** The batch's distinct topics; events name theirs by index. */
  topics: string[];
  /** Per event, EVENT_FIELDS numbers: kind and flags, packet id, topic index, payload length. */
  fields: Uint32Array;
  /** Per event, when it was received (epoch ms). */
  receivedAt: Float64Array;
  payloads: ArrayBuffer;
  /** With a read-ahead plan: each message's rows, read on the session thread. */
  reads?: PackedReadResults;
}

/**
 * The memory a batch holds for flow control (UnconsumedEvents): its payloads, its topics (up to
 * 64 KiB each, counted as UTF-16 code units) and what was read ahead from them.
 */
export function batchBytes(batch: SessionEventBatch): number {
  let bytes = batch.payloads.byteLength + (batch.reads ? packedBytes(batch.reads) : 0);
  for (const topic of batch.topics) bytes += topic.length;
  return bytes;
}

/** The buffers of a batch that move to the receiving thread without a copy. */
export function batchTransferables(batch: SessionEventBatch): ArrayBuffer[] {
  return [batch.payloads, ...(batch.reads ? packedTransferables(batch.reads) : [])];
}

const EVENT_FIELDS = 4;
const PUBLISH = 0;
const PUBREL = 1;
const NO_ID = 0xffffffff;

/** What the pulling thread does with each event of a batch, in order. */
export interface SessionEventSink {
  onMessage(message: ReceivedMessage): void;
  onPubrel(messageId: number): void;
}

/** Collects a thread's events until `take` packs them into one batch. */
export class SessionEventBatcher {
  private readonly reader: ReadAheadPacker | undefined;
  private topics = new Map<string, number>();
  private fields: number[] = [];
  private receivedAt: number[] = [];
  private payloads: Buffer[] = [];
  private payloadBytes = 0;

  constructor(readAhead?: ReadAheadPlan) {
    this.reader = readAhead && new ReadAheadPacker(readAhead);
  }

  get size(): number {
    return this.receivedAt.length;
  }

  addMessage(m: Pick<ReceivedMessage, 'topic' | 'payload' | 'qos' | 'retain' | 'dup' | 'messageId'>, receivedAt: number): void {
    let topic = this.topics.get(m.topic);
    if (topic === undefined) this.topics.set(m.topic, (topic = this.topics.size));
    const flags = m.qos | (m.retain ? 4 : 0) | (m.dup ? 8 : 0);
    this.fields.push(PUBLISH | (flags << 8), m.messageId ?? NO_ID, topic, m.payload.length);
    this.receivedAt.push(receivedAt);
    this.payloads.push(m.payload);
    this.payloadBytes += m.payload.length;
    this.reader?.read(m);
  }

  addPubrel(messageId: number, receivedAt: number): void {
    this.fields.push(PUBREL, messageId, 0, 0);
    this.receivedAt.push(receivedAt);
  }

  /** The events since the last take, packed; the batcher starts empty again. */
  take(): SessionEventBatch {
    // A fresh ArrayBuffer: pooled Buffers share theirs, and transferring one would take the pool with it.
    const payloads = new ArrayBuffer(this.payloadBytes);
    const bytes = new Uint8Array(payloads);
    let at = 0;
    for (const p of this.payloads) {
      bytes.set(p, at);
      at += p.length;
    }
    const batch = { topics: [...this.topics.keys()], fields: Uint32Array.from(this.fields), receivedAt: Float64Array.from(this.receivedAt), payloads, ...(this.reader ? { reads: this.reader.take() } : {}) };
    this.topics = new Map();
    this.fields = [];
    this.receivedAt = [];
    this.payloads = [];
    this.payloadBytes = 0;
    return batch;
  }
}

/** Hands a batch's events to `sink` in the order they arrived; returns how many there were. */
export function deliverSessionEvents(batch: SessionEventBatch, sink: SessionEventSink): number {
  const { fields, topics, receivedAt, payloads } = batch;
  const count = receivedAt.length;
  const results = batch.reads && new ReadAheadResults(batch.reads);
  let read = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const f = i * EVENT_FIELDS;
    const kindAndFlags = fields[f];
    const id = fields[f + 1];
    if ((kindAndFlags & 0xff) === PUBREL) {
      sink.onPubrel(id);
      continue;
    }
    const flags = kindAndFlags >> 8;
    const length = fields[f + 3];
    sink.onMessage({
      topic: topics[fields[f + 2]],
      payload: Buffer.from(payloads, at, length),
      qos: (flags & 3) as QosLevel,
      retain: (flags & 4) !== 0,
      dup: (flags & 8) !== 0,
      messageId: id === NO_ID ? undefined : id,
      receivedAt: new Date(receivedAt[i]),
      readAhead: results && { results, index: read++ },
    });
    at += length;
  }
  return count;
}

/**
 * What the session thread posted and the pulling thread has not yet taken in. Past either limit
 * the thread stops reading the socket (TCP then holds the broker back) until both are below half.
 * QoS 1/2 traffic is bounded by the receive window anyway; QoS 0 is not, and a busy pulling thread
 * must not let it pile up in memory (20,000 messages of up to 16 MiB would not fit).
 */
export class UnconsumedEvents {
  static readonly MAX_EVENTS = 20_000;
  static readonly MAX_BYTES = 64 * 1024 * 1024;
  /** The pulling thread reports what it took in this many events or bytes at a time: below half the limits. */
  static readonly REPORT_EVENTS = 4_096;
  static readonly REPORT_BYTES = 8 * 1024 * 1024;
  private events = 0;
  private bytes = 0;

  /** Counts a posted batch; true when the thread should stop reading. */
  posted(events: number, bytes: number): boolean {
    this.events += events;
    this.bytes += bytes;
    return this.events >= UnconsumedEvents.MAX_EVENTS || this.bytes >= UnconsumedEvents.MAX_BYTES;
  }

  /** Counts what the pulling thread reported taken in; true when the thread may read again. */
  consumed(events: number, bytes: number): boolean {
    this.events -= events;
    this.bytes -= bytes;
    return this.events <= UnconsumedEvents.MAX_EVENTS / 2 && this.bytes <= UnconsumedEvents.MAX_BYTES / 2;
  }
}

/** An acknowledgement the pulling thread released, as one number: kind in the high bits, packet id in the low 16. */
export type ReleasedAck = 'puback' | 'pubrec' | 'pubcomp';
const ACK_KINDS: ReleasedAck[] = ['puback', 'pubrec', 'pubcomp'];

export function encodeAck(kind: ReleasedAck, messageId: number): number {
  return (ACK_KINDS.indexOf(kind) << 16) | (messageId & 0xffff);
}

export function decodeAck(code: number): { kind: ReleasedAck; messageId: number } {
  return { kind: ACK_KINDS[code >>> 16], messageId: code & 0xffff };
}
