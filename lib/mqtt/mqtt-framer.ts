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
 * `maxPacketBytes` is refused from its first bytes, before any of its body is buffered: at most one
 * packet's worth (plus a 5-byte header) is ever held. Chunks are joined only when a packet is
 * complete, so a packet trickled in one byte at a time costs one copy, not one per byte.
 */
export class MqttFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Total bytes of the packet at the head of the buffer, once its header is complete. */
  private packetBytes: number | undefined;

  constructor(private maxPacketBytes: number) {}

  /** Changes the size limit for packets whose header has not been read yet (e.g. raised once a connection authenticated). */
  setLimit(maxPacketBytes: number): void {
    this.maxPacketBytes = maxPacketBytes;
  }

  /** Takes bytes in and returns the packets they complete, in order; throws MqttFrameError. */
  push(bytes: Buffer): Buffer[] {
    if (bytes.length) {
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    const packets: Buffer[] = [];
    for (;;) {
      if (this.packetBytes === undefined) {
        const header = readFixedHeader(this.head(5));
        if (!header) return packets;
        if (header.remainingLength > this.maxPacketBytes) {
          throw new MqttFrameError(`an MQTT packet of ${header.remainingLength} bytes exceeds the limit of ${this.maxPacketBytes}`, 'too-large');
        }
        this.packetBytes = header.headerBytes + header.remainingLength;
      }
      if (this.buffered < this.packetBytes) return packets;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
      packets.push(all.subarray(0, this.packetBytes));
      const rest = all.subarray(this.packetBytes);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.packetBytes = undefined;
    }
  }

  /** Up to `n` bytes from the start of the buffer (copies at most n bytes). */
  private head(n: number): Buffer {
    const first = this.chunks[0];
    if (!first || first.length >= n || this.chunks.length === 1) return first ?? Buffer.alloc(0);
    return Buffer.concat(this.chunks, Math.min(n, this.buffered)).subarray(0, n);
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
