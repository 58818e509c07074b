import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttFrameError } from '../../../lib/mqtt/mqtt-framer';
import { decodePublish, unpinnedPayload } from '../../../lib/mqtt/publish-packet';

const generate = (p: Partial<mqttPacket.IPublishPacket>, protocolVersion: 4 | 5) =>
  mqttPacket.generate({ cmd: 'publish', topic: 't', payload: '', qos: 0, retain: false, dup: false, ...p } as mqttPacket.IPublishPacket, { protocolVersion });

describe('decodePublish reads what mqtt-packet encodes', () => {
  const cases: [string, Partial<mqttPacket.IPublishPacket>][] = [
    ['QoS 0', { topic: 'sensors/a', payload: Buffer.from('{"v":1}') }],
    ['QoS 1 with retain and dup', { topic: 'a/b/c', payload: Buffer.from('x'), qos: 1, messageId: 65_535, retain: true, dup: true }],
    ['QoS 2', { topic: 't', payload: Buffer.from([0, 1, 2, 255]), qos: 2, messageId: 1 }],
    ['an empty payload', { topic: 'empty', payload: Buffer.alloc(0), qos: 1, messageId: 7 }],
    ['a UTF-8 topic', { topic: 'gewächshaus/温度/🌡', payload: Buffer.from('1'), qos: 1, messageId: 2 }],
    ['a payload past 2 MB (a 4-byte remaining length)', { topic: 'big', payload: Buffer.alloc(2_100_000, 7), qos: 1, messageId: 3 }],
  ];
  for (const protocolVersion of [4, 5] as const) {
    for (const [what, p] of cases) {
      it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: ${what}`, () => {
        const { payload, ...rest } = decodePublish(generate(p, protocolVersion), protocolVersion);
        // Buffer.equals: a deep equality of 2 MB took seconds under load.
        expect(payload.equals(Buffer.from(p.payload as Buffer))).toBe(true);
        expect(rest).toEqual({ topic: p.topic, qos: p.qos ?? 0, retain: p.retain ?? false, dup: p.dup ?? false, messageId: p.messageId });
      });
    }
  }

  it('MQTT 5: skips every property, however long, to the payload', () => {
    const packet = generate(
      { topic: 'p', payload: Buffer.from('payload'), qos: 1, messageId: 9, properties: { payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'application/json', userProperties: { a: 'x'.repeat(300) }, correlationData: Buffer.alloc(40) } },
      5,
    );
    expect(decodePublish(packet, 5)).toMatchObject({ topic: 'p', payload: Buffer.from('payload'), messageId: 9 });
  });
});

describe('decodePublish keeps no more memory alive than the message needs', () => {
  it('copies a payload out of a packet mostly made of something else (MQTT 5 properties, a long topic), so the packet can go', () => {
    const heavy = generate({ topic: 'p', payload: Buffer.from('{"v":1}'), qos: 1, messageId: 1, properties: { userProperties: { junk: 'x'.repeat(60_000) } } }, 5);
    const { payload } = decodePublish(heavy, 5);
    expect(payload.toString()).toBe('{"v":1}');
    expect(payload.buffer).not.toBe(heavy.buffer);
    expect(payload.buffer.byteLength).toBeLessThan(heavy.length);
    const longTopic = generate({ topic: 't'.repeat(10_000), payload: Buffer.from('1'), qos: 0 }, 4);
    expect(decodePublish(longTopic, 4).payload.buffer).not.toBe(longTopic.buffer);
  });

  it('copies a small payload out of a large read chunk it arrived in with other bytes (a 64 KiB PUBREL reason string, say)', () => {
    const chunk = Buffer.concat([Buffer.alloc(65_000), generate({ topic: 't', payload: Buffer.from('1'), qos: 0 }, 5)]);
    const packet = chunk.subarray(65_000);
    expect(decodePublish(packet, 5).payload.buffer.byteLength).toBeLessThan(65_000);
  });

  it('unpinnedPayload (the device endpoint\'s, on mqtt-packet\'s views): a 2-byte view into a 240 kB buffer is copied out, most of one is not', () => {
    const frame = Buffer.alloc(240_000);
    expect(unpinnedPayload(frame.subarray(100, 102)).buffer).not.toBe(frame.buffer);
    expect(unpinnedPayload(frame.subarray(0, 200_000)).buffer).toBe(frame.buffer);
  });

  it('keeps a view into a packet that is mostly its payload (no copy per message)', () => {
    const packet = generate({ topic: 'sensors/a', payload: Buffer.alloc(4096, 1), qos: 1, messageId: 1 }, 5);
    expect(decodePublish(packet, 5).payload.buffer).toBe(packet.buffer);
  });
});

describe('decodePublish refuses what is not one whole PUBLISH', () => {
  const refuses = (packet: Buffer, protocolVersion: 4 | 5, message: RegExp) => {
    const decode = () => decodePublish(packet, protocolVersion);
    expect(decode).toThrow(MqttFrameError);
    expect(decode).toThrow(message);
  };

  it('another packet type, QoS 3, or a length that does not match the header', () => {
    refuses(mqttPacket.generate({ cmd: 'puback', messageId: 1 }, { protocolVersion: 4 }), 4, /not a PUBLISH/);
    const qos3 = Buffer.from(generate({ topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 1 }, 4));
    qos3[0] |= 0x06;
    refuses(qos3, 4, /QoS 3/);
    refuses(generate({ topic: 't', payload: Buffer.from('xyz') }, 4).subarray(0, 5), 4, /length does not match/);
  });

  it('fields that run past the packet: a topic length, packet id or MQTT 5 property length too long', () => {
    refuses(Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]), 4, /shorter than its fields/);
    refuses(Buffer.from([0x32, 0x03, 0x00, 0x01, 0x61]), 4, /shorter than its fields/);
    refuses(Buffer.from([0x30, 0x04, 0x00, 0x01, 0x61, 0x7f]), 5, /shorter than its fields/);
    refuses(Buffer.from([0x30, 0x07, 0x00, 0x01, 0x61, 0xff, 0xff, 0xff, 0xff]), 5, /longer than 4 bytes/);
  });

  it('an empty topic: a topic alias, which Sluice never allows, or a broken broker', () => {
    refuses(Buffer.from([0x30, 0x03, 0x00, 0x00, 0x78]), 4, /without a topic/);
  });
});
