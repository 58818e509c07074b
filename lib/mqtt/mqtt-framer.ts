/** A byte stream that does not frame as MQTT, or declares a packet over the size limit. */
export class MqttFrameError extends Error {
  constructor(
    message: string,
    readonly kind: 'too-large' | 'malformed',
  ) {
    super(message);
    this.name = 'MqttFrameError';
  }
}

/**
 * Splits a byte stream into whole MQTT control packets (fixed header + remaining length, MQTT 3.1.1
 * §2.2 and 5.0 §2.1), without parsing them. A packet whose declared remaining length exceeds
 * `maxPacketBytes` is refused from its first bytes, before any of its body is buffered. Packets
 * whole inside a chunk are views into it (no copy). A packet split across chunks is copied, as
 * its bytes arrive, into one buffer of its declared size: at most one packet's worth is held, and
 * a packet trickled one byte per chunk (one byte per WebSocket message) costs one copy of each
 * byte, not a Buffer object per byte (holding the chunks cost ~190 bytes of memory per byte).
 */
export class MqttFramer {
  /** The split packet's bytes so far: its header (at most 5 bytes) until its size is known, then the packet. */
  private partial: Buffer = Buffer.alloc(0);
  private partialBytes = 0;
  /** Total bytes of the split packet, once its header is complete. */
  private packetBytes: number | undefined;

  constructor(private maxPacketBytes: number) {}

  /** Changes the size limit for packets whose header has not been read yet (e.g. raised once a connection authenticated). */
  setLimit(maxPacketBytes: number): void {
    this.maxPacketBytes = maxPacketBytes;
  }

  /** Takes bytes in and returns the packets they complete, in order; throws MqttFrameError. */
  push(bytes: Buffer): Buffer[] {
    const packets: Buffer[] = [];
    let rest = bytes;
    if (this.partialBytes > 0) {
      rest = this.fillPartial(rest);
      if (this.packetBytes === undefined || this.partialBytes < this.packetBytes) return packets;
      packets.push(this.partial);
      this.partial = Buffer.alloc(0);
      this.partialBytes = 0;
      this.packetBytes = undefined;
    }
    while (rest.length) {
      const size = this.packetSize(rest);
      if (size === undefined || size > rest.length) {
        this.fillPartial(rest);
        return packets;
      }
      packets.push(rest.subarray(0, size));
      rest = rest.subarray(size);
    }
    return packets;
  }

  /** Adds the start of `bytes` to the split packet (up to its end); returns what is left. */
  private fillPartial(bytes: Buffer): Buffer {
    let at = 0;
    while (this.packetBytes === undefined && at < bytes.length) {
      // The header first, a byte at a time (at most 5): its size decides the buffer.
      if (this.partial.length < 5) this.partial = Buffer.concat([this.partial.subarray(0, this.partialBytes), Buffer.alloc(5)], 5);
      this.partial[this.partialBytes++] = bytes[at++];
      const size = this.packetSize(this.partial.subarray(0, this.partialBytes));
      if (size !== undefined) {
        const packet = Buffer.allocUnsafe(size);
        this.partial.copy(packet, 0, 0, this.partialBytes);
        this.partial = packet;
        this.packetBytes = size;
      }
    }
    if (this.packetBytes === undefined) return bytes.subarray(at);
    const n = Math.min(bytes.length - at, this.packetBytes - this.partialBytes);
    bytes.copy(this.partial, this.partialBytes, at, at + n);
    this.partialBytes += n;
    return bytes.subarray(at + n);
  }

  /** The size of the packet whose header starts `bytes`, undefined while the header is incomplete; refuses one over the limit. */
  private packetSize(bytes: Buffer): number | undefined {
    const header = readFixedHeader(bytes);
    if (!header) return undefined;
    if (header.remainingLength > this.maxPacketBytes) {
      throw new MqttFrameError(`an MQTT packet of ${header.remainingLength} bytes exceeds the limit of ${this.maxPacketBytes}`, 'too-large');
    }
    return header.headerBytes + header.remainingLength;
  }
}

/**
 * The fixed header's size and declared remaining length, or undefined while incomplete. The
 * remaining length is a variable byte integer of at most 4 bytes (max 268,435,455).
 */
export function readFixedHeader(bytes: Buffer): { headerBytes: number; remainingLength: number } | undefined {
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    if (i >= bytes.length) return undefined;
    const b = bytes[i];
    value += (b & 0x7f) * 128 ** (i - 1);
    if (!(b & 0x80)) return { headerBytes: i + 1, remainingLength: value };
  }
  throw new MqttFrameError('an MQTT remaining length longer than 4 bytes', 'malformed');
}

/**
 * Watches a byte stream's MQTT packet boundaries without holding any packet: it reads each fixed
 * header as it passes (at most 5 bytes kept across chunks) and skips the body, refusing a packet
 * whose declared length exceeds `maxPacketBytes` before its body arrives. For streams that are
 * parsed elsewhere (mqtt.js's own parser buffers a whole packet, whatever it declares).
 */
export class MqttPacketSizeGuard {
  /** Body bytes of the current packet still to pass. */
  private skip = 0;
  private header: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPacketBytes: number) {}

  /** Looks at the next bytes of the stream; throws MqttFrameError. */
  check(bytes: Buffer): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const had = this.header.length;
      const candidate = Buffer.concat([this.header, bytes.subarray(i, i + 5 - had)]);
      const h = readFixedHeader(candidate);
      if (!h) {
        this.header = candidate;
        i = bytes.length;
        continue;
      }
      if (h.remainingLength > this.maxPacketBytes) {
        throw new MqttFrameError(`an MQTT packet of ${h.remainingLength} bytes exceeds the limit of ${this.maxPacketBytes}`, 'too-large');
      }
      i += h.headerBytes - had;
      this.header = Buffer.alloc(0);
      this.skip = h.remainingLength;
    }
  }
}
