import { MqttFrameError, readFixedHeader } from './mqtt-framer';

/** What a pull needs of a PUBLISH packet (MQTT 3.1.1 §3.3, 5.0 §3.3); MQTT 5 properties are skipped. */
export interface DecodedPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  /** Present for QoS 1 and 2. */
  messageId?: number;
}

/**
 * Decodes one whole PUBLISH packet (as MqttFramer cuts it); the payload is a view into `packet`,
 * or a copy when the memory behind it is mostly other bytes (unpinnedPayload).
 *
 * Why not mqtt-packet, which the rest of Sluice decodes with: its streaming parser spent ~7 µs on
 * each PUBLISH a pull receives (BufferList copies, a debug call per field), more than everything
 * else in receiving it; a whole PUBLISH is a topic, a packet id, MQTT 5's properties (skipped
 * whole: a pull reads none of them) and the payload. Throws MqttFrameError('malformed') on a
 * packet that is not that, and on an empty topic: Sluice never allows topic aliases, the one case
 * where a broker may send one, so such a message could not be filed under a topic.
 */
export function decodePublish(packet: Buffer, protocolVersion: 4 | 5): DecodedPublish {
  const flags = packet[0] & 0x0f;
  if (packet[0] >> 4 !== 3) throw malformed('not a PUBLISH packet');
  const qos = (flags >> 1) & 3;
  if (qos === 3) throw malformed('a PUBLISH with QoS 3');
  const header = readFixedHeader(packet);
  if (!header || header.headerBytes + header.remainingLength !== packet.length) throw malformed('a PUBLISH whose length does not match its header');
  let at = header.headerBytes;
  const topicLength = need(packet, at, 2).readUInt16BE(at);
  at += 2;
  if (topicLength === 0) throw malformed('a PUBLISH without a topic (Sluice allows no topic aliases)');
  need(packet, at, topicLength);
  const topic = packet.toString('utf8', at, at + topicLength);
  at += topicLength;
  let messageId: number | undefined;
  if (qos > 0) {
    messageId = need(packet, at, 2).readUInt16BE(at);
    at += 2;
  }
  if (protocolVersion === 5) {
    const properties = variableByteInteger(packet, at);
    at = properties.end + properties.value;
    need(packet, at, 0);
  }
  return { topic, payload: unpinnedPayload(packet.subarray(at)), qos: qos as 0 | 1 | 2, retain: (flags & 1) !== 0, dup: (flags & 8) !== 0, messageId };
}

/**
 * `payload`, or a copy of it when the memory it is a view into (the read chunk the framer cut its
 * packet from, up to 64 KiB over TCP and 16 MiB over WebSocket; the packet mqtt-packet assembled)
 * is mostly other bytes: more than the payload again and 1 KiB. A message is held until its
 * commit and a view keeps all of that memory alive, which no byte cap counted: a broker sending
 * 8 MiB of MQTT 5 properties (or a 64 KiB PUBREL reason string in the same chunk) with each
 * small payload pinned gigabytes.
 */
export function unpinnedPayload(payload: Buffer): Buffer {
  return payload.buffer.byteLength - payload.length > Math.max(payload.length, 1024) ? Buffer.from(payload) : payload;
}

function need(packet: Buffer, at: number, bytes: number): Buffer {
  if (at + bytes > packet.length) throw malformed('a PUBLISH shorter than its fields');
  return packet;
}

/** MQTT 5's variable byte integer (§1.5.5) at `at`: its value and where it ends. */
function variableByteInteger(packet: Buffer, at: number): { value: number; end: number } {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const byte = need(packet, at + i, 1)[at + i];
    value += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return { value, end: at + i + 1 };
  }
  throw malformed('a PUBLISH property length longer than 4 bytes');
}

function malformed(what: string): MqttFrameError {
  return new MqttFrameError(what, 'malformed');
}
