import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttFramer, MqttPacketSizeGuard, readFixedHeader } from '../../../lib/mqtt/mqtt-framer';

const publish = (payload: Buffer) => mqttPacket.generate({ cmd: 'publish', topic: 't', payload, qos: 0, retain: false, dup: false });

describe('MqttFramer', () => {
  it('cuts a stream into whole packets however it is split', () => {
    const a = publish(Buffer.alloc(300, 1));
    const b = mqttPacket.generate({ cmd: 'pingreq' });
    const c = publish(Buffer.from('hi'));
    const stream = Buffer.concat([a, b, c]);
    for (const size of [1, 2, 7, 300, stream.length]) {
      const framer = new MqttFramer(1024);
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...framer.push(stream.subarray(i, i + size)));
      expect(out.map((f) => f.toString('hex'))).toEqual([a, b, c].map((f) => f.toString('hex')));
    }
  });

  it('holds a packet trickled one byte per chunk in one buffer, not one object per byte (a broker sending 1-byte WebSocket messages)', () => {
    const big = publish(Buffer.alloc(2 * 1024 * 1024, 7));
    const framer = new MqttFramer(4 * 1024 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    const out: Buffer[] = [];
    for (let i = 0; i < big.length - 1; i++) out.push(...framer.push(big.subarray(i, i + 1)));
    // Every byte but the last is in: holding each chunk kept ~100 bytes of heap per byte (200+ MB here).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    out.push(...framer.push(big.subarray(big.length - 1)));
    expect(out).toHaveLength(1);
    expect(out[0].equals(big)).toBe(true);
  });

  it('refuses a packet whose declared length exceeds the limit from its header, before its body arrives', () => {
    const framer = new MqttFramer(1024 * 1024);
    // PUBLISH declaring 256 MiB - 1: the header alone is refused.
    expect(() => framer.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]))).toThrow(expect.objectContaining({ kind: 'too-large' }));
    const atLimit = new MqttFramer(1024);
    expect(atLimit.push(publish(Buffer.alloc(1024 - 3)))).toHaveLength(1);
    expect(() => atLimit.push(publish(Buffer.alloc(1024 - 2)).subarray(0, 3))).toThrow(expect.objectContaining({ kind: 'too-large' }));
  });

  it('refuses a remaining length of more than 4 bytes', () => {
    expect(() => new MqttFramer(1024).push(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(expect.objectContaining({ kind: 'malformed' }));
  });

  it('reads the fixed header once it is complete', () => {
    expect(readFixedHeader(Buffer.from([0x30]))).toBeUndefined();
    expect(readFixedHeader(Buffer.from([0x30, 0x80]))).toBeUndefined();
    expect(readFixedHeader(Buffer.from([0x30, 0x00]))).toEqual({ headerBytes: 2, remainingLength: 0 });
    expect(readFixedHeader(Buffer.from([0x30, 0xc1, 0x02]))).toEqual({ headerBytes: 3, remainingLength: 321 });
  });
});

describe('MqttPacketSizeGuard', () => {
  const publish = (bytes: number) => mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(bytes), qos: 0, dup: false, retain: false });

  it('follows packet boundaries across any split of the stream and passes packets within the limit', () => {
    const stream = Buffer.concat([publish(10), publish(300), publish(0), publish(1000)]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const guard = new MqttPacketSizeGuard(1024);
      for (let i = 0; i < stream.length; i += size) guard.check(stream.subarray(i, i + size));
    }
  });

  it('refuses an oversized packet from its header, before its body arrives', () => {
    const guard = new MqttPacketSizeGuard(1024);
    guard.check(publish(100));
    const big = publish(5000);
    expect(() => guard.check(big.subarray(0, 4))).toThrow(/an MQTT packet of 50\d\d bytes exceeds the limit of 1024/);
  });
});
