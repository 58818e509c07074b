import { Duplex } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { MqttFrameError, MqttFramer, MqttPacketSizeGuard, readFixedHeader } from '../../mqtt/mqtt-framer';
import { decodePublish, type DecodedPublish } from '../../mqtt/publish-packet';
import { SluiceError } from '../../errors';

/**
 * A transport between mqtt.js and the broker's socket that holds back PUBACK, PUBREC and PUBCOMP
 * packets until the ingest engine says the data they acknowledge is committed.
 *
 * Why here: mqtt.js handles incoming packets strictly one at a time and acknowledges a message as
 * soon as it is handled; delaying its callbacks stalls every later message. Holding the
 * acknowledgement bytes on the wire instead lets reading go on while nothing reaches the broker
 * before the commit.
 *
 * With `publishes` (every pull session): PUBLISH and PUBREL packets are decoded here
 * (decodePublish) and handed to `onPublish`/`onPubrel` in the order they arrived, instead of
 * passing through mqtt.js, and the acknowledgement each needs is made here and held until released.
 * Why: mqtt.js took ~60% of a pull's receiving time on them (its client machinery, then generating
 * each acknowledgement and writing it through this stream, which parsed it again), and kept every
 * QoS 2 message, payload and all, until its PUBREL: a broker that never sent one could fill the
 * memory. The QoS 2 state a pull needs (which packet ids await their PUBREL) is the ingest
 * engine's receipts. Every other packet still goes to mqtt.js, whole and in order. Without it, the
 * acknowledgements mqtt.js writes are held instead (only their fixed header and packet id are read).
 *
 * Release works by credits: `release('puback', id)` lets the held PUBACK for `id` through at once
 * (without `publishes`, also the next one written). The engine releases in the order the PUBLISH
 * packets arrived, which keeps MQTT's acknowledgement ordering (3.1.1 §4.6, 5.0 §4.6).
 *
 * `advertiseReceiveMaximum` (MQTT 5) rewrites the Receive Maximum of the outgoing CONNECT: the
 * broker is asked for that window while mqtt.js is given MQTT's maximum (see mqtt-session.ts).
 */
export type HeldAck = 'puback' | 'pubrec' | 'pubcomp';

const HELD_TYPES: Record<number, HeldAck> = { 4: 'puback', 5: 'pubrec', 7: 'pubcomp' };

/** A held PUBACK or PUBREC (or, without `publishes`, whatever mqtt.js wrote). */
interface HeldPacket {
  key: number;
  bytes: Buffer;
}

/** One number per acknowledgement kind and packet id: the key of held packets and credits. */
function ackKey(kind: HeldAck, id: number): number {
  return (ACK_TYPES[kind] << 16) | id;
}

const PUBCOMP_KEY = (7 << 16) >>> 0;

/**
 * The largest MQTT packet a pull takes from a broker: far above any payload it reads (larger ones
 * than maxPayloadBytes are quarantined, so they must still arrive), far below what would let one
 * broker exhaust the server's memory (MQTT allows 256 MiB per packet).
 */
export const MAX_INCOMING_PACKET_BYTES = 16 * 1024 * 1024;

/** Where the gate hands the PUBLISH and PUBREL packets it decodes itself, and in which protocol version they come. */
export interface GatePublishes {
  protocolVersion: 4 | 5;
  onPublish(packet: DecodedPublish): void;
  onPubrel(messageId: number): void;
}

export class AckGate extends Duplex {
  private pending: Buffer = Buffer.alloc(0);
  /**
   * PUBACKs and PUBRECs held, in the order their messages arrived: MQTT wants them sent in that
   * order (3.1.1 §4.6, 5.0 §4.6). Each stands for a message the pull holds, so they are as bounded
   * as those.
   */
  private held: HeldPacket[] = [];
  /**
   * PUBCOMPs held, by packet id with how many: a PUBREL stands for no message, and a flood of them
   * for one id held a PUBCOMP object each, without bound. Their order is not prescribed.
   */
  private heldPubcomps = new Map<number, { bytes: Buffer; count: number }>();
  private heldPubcompCount = 0;
  private credits = new Map<number, number>();
  private flushScheduled = false;
  /** Set by pauseIncoming(): the broker's further messages wait in TCP buffers for the next session. */
  private incomingPaused = false;
  /**
   * Set while the broker does not read the acknowledgements written to it: reading waits for it
   * (a broker flooding PUBRELs without reading their PUBCOMPs piled them up in memory).
   */
  private awaitingDrain = false;
  /** Set while closing: what still arrives is read and dropped, so the close is a clean FIN. */
  private discardIncoming = false;

  /** Refuses a broker packet over the limit from its header, before mqtt.js (or the framer) buffers its body. */
  private readonly sizeGuard = new MqttPacketSizeGuard(MAX_INCOMING_PACKET_BYTES);
  /** Cuts incoming bytes into packets when the gate decodes publishes itself. */
  private readonly framer: MqttFramer | undefined;

  constructor(
    private readonly transport: Duplex,
    private readonly advertiseReceiveMaximum?: number,
    private readonly publishes?: GatePublishes,
  ) {
    super();
    if (publishes) this.framer = new MqttFramer(MAX_INCOMING_PACKET_BYTES);
    transport.on('data', (chunk: Buffer) => {
      if (this.discardIncoming) return;
      let packets: Buffer[];
      try {
        packets = this.framer ? this.framer.push(chunk) : (this.sizeGuard.check(chunk), [chunk]);
      } catch (err) {
        return this.fail(err as MqttFrameError);
      }
      if (this.framer) return this.takeMessages(packets);
      if (!this.push(chunk)) transport.pause();
    });
    transport.on('end', () => this.push(null));
    transport.on('error', (err) => this.destroy(err));
    transport.on('close', () => this.destroy());
  }

  /** Number of acknowledgements currently held back. */
  get heldCount(): number {
    return this.held.length + this.heldPubcompCount;
  }

  /**
   * Allows the held (or next) acknowledgement of this kind for this packet id to reach the broker.
   * Releases made in one tick are sent together: PUBACKs and PUBRECs in the order their messages arrived.
   */
  release(kind: HeldAck, id: number): void {
    const key = ackKey(kind, id);
    this.credits.set(key, (this.credits.get(key) ?? 0) + 1);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flushCredited();
    });
  }

  /**
   * Stops handing incoming bytes to mqtt.js (the pull took all it will take). Messages the broker
   * sends from now on are neither parsed nor acknowledged: they stay queued for the next pull.
   */
  pauseIncoming(): void {
    this.incomingPaused = true;
    this.transport.pause();
  }

  /** Hands incoming bytes to mqtt.js again: the session passed to the next pull. */
  resumeIncoming(): void {
    this.incomingPaused = false;
    if (!this.awaitingDrain) this.transport.resume();
  }

  override _read(): void {
    if (!this.incomingPaused && !this.awaitingDrain) this.transport.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const header = fixedHeader(this.pending);
      if (header === undefined || header.size > this.pending.length) break;
      const packet = this.pending.subarray(0, header.size);
      this.pending = this.pending.subarray(header.size);
      if (packet[0] >> 4 === CONNECT && this.advertiseReceiveMaximum !== undefined) {
        out.push(withReceiveMaximum(packet, this.advertiseReceiveMaximum));
        continue;
      }
      const kind = HELD_TYPES[packet[0] >> 4];
      // PUBACK/PUBREC/PUBCOMP carry the packet identifier right after the fixed header.
      const id = kind ? packet.readUInt16BE(header.length) : 0;
      if (kind && !this.takeCredit(ackKey(kind, id))) {
        this.holdAck(kind, id, () => Buffer.from(packet));
      } else {
        out.push(Buffer.from(packet));
      }
    }
    if (out.length === 0) return callback();
    this.transport.write(out.length === 1 ? out[0] : Buffer.concat(out), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    // Acknowledgements still held are dropped on purpose: the broker redelivers those messages.
    // Released ones must arrive: unread bytes at close() would make the kernel reset the
    // connection and discard them, so incoming data is drained (and dropped) until the broker closes.
    this.flushCredited();
    this.discardIncoming = true;
    this.transport.resume();
    const timer = setTimeout(() => this.transport.destroy(), 2000);
    this.transport.once('close', () => {
      clearTimeout(timer);
      callback();
    });
    this.transport.end();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.held = [];
    this.heldPubcomps.clear();
    this.heldPubcompCount = 0;
    this.transport.destroy();
    callback(err);
  }

  private fail(e: MqttFrameError): void {
    this.destroy(new SluiceError('CONNECTION_LOST', `the broker sent ${e.kind === 'too-large' ? 'an oversized' : 'a malformed'} packet: ${e.message}`));
  }

  /**
   * Hands PUBLISH and PUBREL packets to the session, holding the acknowledgement each needs, and
   * the other packets to mqtt.js, in the order they came. A packet for mqtt.js is pushed before
   * the messages after it are handed on, and mqtt.js reads what is pushed at once (this stream
   * flows), so a CONNACK is seen before the messages that follow it.
   */
  private takeMessages(packets: Buffer[]): void {
    const { protocolVersion, onPublish, onPubrel } = this.publishes!;
    for (const packet of packets) {
      const type = packet[0] >> 4;
      if (type === PUBLISH) {
        let publish: DecodedPublish;
        try {
          publish = decodePublish(packet, protocolVersion);
        } catch (err) {
          return this.fail(err as MqttFrameError);
        }
        if (publish.qos > 0) this.hold(publish.qos === 1 ? 'puback' : 'pubrec', publish.messageId!);
        if (!this.deliver(() => onPublish(publish))) return;
      } else if (type === PUBREL) {
        const header = readFixedHeader(packet);
        if (!header || header.remainingLength < 2) return this.fail(new MqttFrameError('a PUBREL without a packet identifier', 'malformed'));
        const id = packet.readUInt16BE(header.headerBytes);
        this.hold('pubcomp', id);
        if (!this.deliver(() => onPubrel(id))) return;
      } else if (!this.push(packet)) this.transport.pause();
    }
  }

  /** A handler's own failure ends the connection as itself (not as the broker's fault), never as an uncaught exception. */
  private deliver(handle: () => void): boolean {
    try {
      handle();
      return true;
    } catch (err) {
      this.destroy(err as Error);
      return false;
    }
  }

  /** Holds the acknowledgement mqtt.js would have sent (4 bytes: a success needs no reason code in MQTT 5 either). */
  private hold(kind: HeldAck, id: number): void {
    this.holdAck(kind, id, () => Buffer.from([ACK_TYPES[kind] << 4, 2, id >> 8, id & 0xff]));
  }

  /**
   * Holds an acknowledgement (`bytes` makes its packet): PUBACKs and PUBRECs in arrival order; a
   * PUBCOMP once per packet id, counted again for each PUBREL repeating it.
   */
  private holdAck(kind: HeldAck, id: number, bytes: () => Buffer): void {
    const key = ackKey(kind, id);
    if (kind !== 'pubcomp') {
      this.held.push({ key, bytes: bytes() });
      return;
    }
    const held = this.heldPubcomps.get(key);
    if (held) held.count++;
    else this.heldPubcomps.set(key, { bytes: bytes(), count: 1 });
    this.heldPubcompCount++;
  }

  /** Writes released acknowledgements; past the socket's buffer, reading pauses until the broker has read them. */
  private writeAcknowledgements(bytes: Buffer): void {
    if (this.transport.write(bytes) || this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.transport.pause();
    this.transport.once('drain', () => {
      this.awaitingDrain = false;
      if (!this.incomingPaused) this.transport.resume();
    });
  }

  private takeCredit(key: number): boolean {
    const n = this.credits.get(key);
    if (!n) return false;
    if (n === 1) this.credits.delete(key);
    else this.credits.set(key, n - 1);
    return true;
  }

  /**
   * Sends what the credits release: PUBACKs and PUBRECs in the order their messages arrived
   * (MQTT's, whatever order the engine released them in; the engine releases the oldest first, so
   * the pass over them ends soon after it started), then PUBCOMPs.
   */
  private flushCredited(): void {
    const out: Buffer[] = [];
    let credits = 0;
    for (const [key, n] of this.credits) if ((key & 0xff0000) !== PUBCOMP_KEY) credits += n;
    let i = 0;
    const kept: HeldPacket[] = [];
    for (; i < this.held.length && credits > 0; i++) {
      const p = this.held[i];
      if (this.takeCredit(p.key)) {
        out.push(p.bytes);
        credits--;
      } else kept.push(p);
    }
    if (i > 0) this.held = i === this.held.length ? kept : kept.concat(this.held.slice(i));
    for (const [key, n] of this.credits) {
      const held = (key & 0xff0000) === PUBCOMP_KEY ? this.heldPubcomps.get(key) : undefined;
      if (!held) continue;
      const sent = Math.min(n, held.count);
      for (let c = 0; c < sent; c++) out.push(held.bytes);
      held.count -= sent;
      this.heldPubcompCount -= sent;
      if (held.count === 0) this.heldPubcomps.delete(key);
      if (sent === n) this.credits.delete(key);
      else this.credits.set(key, n - sent);
    }
    if (out.length && !this.transport.destroyed) this.writeAcknowledgements(out.length === 1 ? out[0] : Buffer.concat(out));
    // Decoding messages here, the gate holds each acknowledgement before its message reaches the
    // engine: a release that found nothing held is stray (a message of an earlier connection, say)
    // and must not let a later message's acknowledgement out before its commit.
    if (this.publishes) this.credits.clear();
  }
}

const CONNECT = 1;
const PUBLISH = 3;
const PUBREL = 6;
const ACK_TYPES: Record<HeldAck, number> = { puback: 4, pubrec: 5, pubcomp: 7 };

/** An MQTT 5 CONNECT packet with its Receive Maximum property set to `value`. */
function withReceiveMaximum(connect: Buffer, value: number): Buffer {
  let parsed: mqttPacket.IConnectPacket | undefined;
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  parser.on('packet', (p) => (parsed = p as mqttPacket.IConnectPacket));
  parser.on('error', () => undefined); // left unchanged: mqtt.js's own value then reaches the broker
  parser.parse(connect);
  if (!parsed || parsed.protocolVersion !== 5) return Buffer.from(connect);
  return mqttPacket.generate({ ...parsed, properties: { ...parsed.properties, receiveMaximum: value } }, { protocolVersion: 5 });
}

/** Fixed-header length and total size of the MQTT packet at the start of `buf`; undefined if incomplete. */
function fixedHeader(buf: Buffer): { length: number; size: number } | undefined {
  let remaining = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    if (i >= buf.length) return undefined;
    const byte = buf[i];
    remaining += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { length: i + 1, size: i + 1 + remaining };
    multiplier *= 128;
  }
  throw new Error('malformed MQTT remaining length in outgoing packet');
}
