import { Duplex, PassThrough } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { AckGate } from '../../../lib/ingest/fetch/ack-gate';

/** A fake socket that records what reaches "the broker". */
function socket() {
  const written: Buffer[] = [];
  const s = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      written.push(Buffer.from(chunk));
      cb();
    },
  });
  return { s, sent: () => parse(Buffer.concat(written)) };
}

function parse(bytes: Buffer): string[] {
  const out: string[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p) => out.push(`${p.cmd}${'messageId' in p && p.messageId !== undefined ? `:${p.messageId}` : ''}`));
  parser.parse(bytes);
  return out;
}

const tick = () => new Promise((r) => setImmediate(r));
const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 4 });

describe('AckGate', () => {
  it('holds PUBACK/PUBREC/PUBCOMP until released and passes every other packet at once', async () => {
    const { s, sent } = socket();
    const gate = new AckGate(s);
    gate.write(gen({ cmd: 'pingreq' }));
    gate.write(gen({ cmd: 'puback', messageId: 1 }));
    gate.write(gen({ cmd: 'pubrec', messageId: 2 }));
    gate.write(gen({ cmd: 'pubcomp', messageId: 3 }));
    gate.write(gen({ cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'a', qos: 1 }] }));
    await tick();
    expect(sent()).toEqual(['pingreq', 'subscribe:4']);
    expect(gate.heldCount).toBe(3);
    gate.release('pubrec', 2);
    await tick();
    expect(sent()).toEqual(['pingreq', 'subscribe:4', 'pubrec:2']);
    gate.release('puback', 1);
    gate.release('pubcomp', 3);
    await tick();
    expect(sent()).toEqual(['pingreq', 'subscribe:4', 'pubrec:2', 'puback:1', 'pubcomp:3']);
    expect(gate.heldCount).toBe(0);
  });

  it('lets an acknowledgement released before it was written pass straight through', async () => {
    const { s, sent } = socket();
    const gate = new AckGate(s);
    gate.release('puback', 7);
    gate.write(gen({ cmd: 'puback', messageId: 7 }));
    gate.write(gen({ cmd: 'puback', messageId: 7 })); // a second one needs a second release
    await tick();
    expect(sent()).toEqual(['puback:7']);
  });

  it('reassembles packets split across writes and several packets in one write', async () => {
    const { s, sent } = socket();
    const gate = new AckGate(s);
    const bytes = Buffer.concat([gen({ cmd: 'puback', messageId: 9 }), gen({ cmd: 'pingreq' }), gen({ cmd: 'puback', messageId: 10 })]);
    gate.write(bytes.subarray(0, 1));
    gate.write(bytes.subarray(1, 5));
    gate.write(bytes.subarray(5));
    await tick();
    expect(sent()).toEqual(['pingreq']);
    expect(gate.heldCount).toBe(2);
    gate.release('puback', 10);
    await tick();
    expect(sent()).toEqual(['pingreq', 'puback:10']);
    gate.release('puback', 9);
    await tick();
    expect(sent()).toEqual(['pingreq', 'puback:10', 'puback:9']);
  });

  it('asks the broker for its own Receive Maximum in an MQTT 5 CONNECT, keeping every other field', async () => {
    const written: Buffer[] = [];
    const s = new Duplex({ read() {}, write: (chunk, _enc, cb) => (written.push(Buffer.from(chunk)), cb()) });
    const gate = new AckGate(s, 500);
    const connect = { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: false, keepalive: 30, clientId: 'sluice-x', username: 'u', password: Buffer.from('p'), properties: { sessionExpiryInterval: 0xffffffff, receiveMaximum: 65_535 } };
    gate.write(mqttPacket.generate(connect as mqttPacket.Packet, { protocolVersion: 5 }));
    gate.write(mqttPacket.generate({ cmd: 'pingreq' }, { protocolVersion: 5 }));
    await tick();
    const packets: mqttPacket.Packet[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (p) => packets.push(p));
    parser.parse(Buffer.concat(written));
    expect(packets.map((p) => p.cmd)).toEqual(['connect', 'pingreq']);
    expect(packets[0]).toMatchObject({ ...connect, properties: { sessionExpiryInterval: 0xffffffff, receiveMaximum: 500 } });
  });

  it('with publishes: takes PUBLISH and PUBREL packets itself, in arrival order, holding each one\'s acknowledgement until released; passes every other packet to the client whole', async () => {
    const { s, sent } = socket();
    const gate = new AckGate(s, undefined, { protocolVersion: 4, onPublish: (p) => published.push(`${p.topic}:${p.qos}:${p.payload}`), onPubrel: (id) => published.push(`pubrel:${id}`) });
    const published: string[] = [];
    const toClient: Buffer[] = [];
    gate.on('data', (d: Buffer) => toClient.push(d));
    const incoming = Buffer.concat([
      gen({ cmd: 'connack', sessionPresent: true, returnCode: 0 }),
      gen({ cmd: 'publish', topic: 'a', payload: Buffer.from('0'), qos: 0, retain: false, dup: false }),
      gen({ cmd: 'publish', topic: 'b', payload: Buffer.from('1'), qos: 1, messageId: 5, retain: false, dup: false }),
      gen({ cmd: 'publish', topic: 'c', payload: Buffer.from('2'), qos: 2, messageId: 6, retain: false, dup: false }),
      gen({ cmd: 'pubrel', messageId: 4 }),
    ]);
    // Split mid-packet: the gate frames what arrives in pieces.
    s.push(incoming.subarray(0, 9));
    s.push(incoming.subarray(9));
    await tick();
    expect(published).toEqual(['a:0:0', 'b:1:1', 'c:2:2', 'pubrel:4']);
    expect(parse(Buffer.concat(toClient))).toEqual(['connack']);
    expect(sent()).toEqual([]);
    expect(gate.heldCount).toBe(3);
    gate.release('pubcomp', 4);
    gate.release('puback', 5);
    await tick();
    expect(sent()).toEqual(['puback:5', 'pubcomp:4']);
    gate.release('pubrec', 6);
    await tick();
    expect(sent()).toEqual(['puback:5', 'pubcomp:4', 'pubrec:6']);
  });

  it('with publishes: a release that finds nothing held is dropped, so it never lets a later message with that id be acknowledged before its commit', async () => {
    const { s, sent } = socket();
    const gate = new AckGate(s, undefined, { protocolVersion: 4, onPublish: () => {}, onPubrel: () => {} });
    gate.release('puback', 9); // stray: no message 9 is held
    await tick();
    s.push(gen({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 9, retain: false, dup: false }));
    s.push(gen({ cmd: 'publish', topic: 't', payload: Buffer.from('y'), qos: 1, messageId: 10, retain: false, dup: false }));
    await tick();
    gate.release('puback', 10); // message 10 committed; message 9 not yet
    await tick();
    expect(sent()).toEqual(['puback:10']);
    expect(gate.heldCount).toBe(1);
    gate.release('puback', 9);
    await tick();
    expect(sent()).toEqual(['puback:10', 'puback:9']);
  });

  it('with publishes: a PUBLISH that does not decode ends the connection as CONNECTION_LOST', async () => {
    const { s } = socket();
    const gate = new AckGate(s, undefined, { protocolVersion: 4, onPublish: () => {}, onPubrel: () => {} });
    const failed = new Promise<Error>((resolve) => gate.on('error', resolve));
    s.push(Buffer.from([0x30, 0x03, 0x00, 0x00, 0x78])); // no topic
    expect(await failed).toMatchObject({ code: 'CONNECTION_LOST', message: expect.stringContaining('without a topic') });
  });

  it('with publishes: stops reading from a broker that does not read its acknowledgements, until it has read them', async () => {
    const callbacks: (() => void)[] = [];
    const s = new Duplex({ read() {}, writableHighWaterMark: 4, write: (_chunk, _enc, cb) => void callbacks.push(cb) });
    const gate = new AckGate(s, undefined, { protocolVersion: 4, onPublish: () => {}, onPubrel: () => {} });
    s.push(Buffer.concat([1, 2, 3].map((messageId) => gen({ cmd: 'pubrel', messageId }))));
    await tick();
    for (const id of [1, 2, 3]) gate.release('pubcomp', id);
    await tick();
    expect(s.isPaused()).toBe(true);
    for (const cb of callbacks.splice(0)) cb();
    await tick();
    expect(s.isPaused()).toBe(false);
  });

  it('with publishes: sends PUBACKs in the order their messages arrived, a redelivered id in its new place (MQTT 4.6), however they are released', async () => {
    const { s, sent } = socket();
    const gate = new AckGate(s, undefined, { protocolVersion: 4, onPublish: () => {}, onPubrel: () => {} });
    const publish = (messageId: number, dup: boolean) => gen({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId, retain: false, dup });
    s.push(Buffer.concat([publish(5, false), publish(6, false), publish(5, true)]));
    await tick();
    gate.release('puback', 5);
    await tick();
    gate.release('puback', 5);
    gate.release('puback', 6);
    await tick();
    expect(sent()).toEqual(['puback:5', 'puback:6', 'puback:5']);
  });

  it('with publishes: a PUBREL repeated for one id holds one entry however often it comes, and each release sends one PUBCOMP', async () => {
    const { s, sent } = socket();
    const gate = new AckGate(s, undefined, { protocolVersion: 4, onPublish: () => {}, onPubrel: () => {} });
    s.push(Buffer.concat(Array.from({ length: 1000 }, () => gen({ cmd: 'pubrel', messageId: 3 }))));
    await tick();
    expect(gate.heldCount).toBe(1000);
    gate.release('pubcomp', 3);
    await tick();
    expect(sent()).toEqual(['pubcomp:3']);
    expect(gate.heldCount).toBe(999);
  });

  it('passes incoming bytes through unchanged', async () => {
    const inner = new PassThrough();
    const gate = new AckGate(inner);
    const got: Buffer[] = [];
    gate.on('data', (d: Buffer) => got.push(d));
    inner.push(Buffer.from([1, 2, 3]));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got)).toEqual(Buffer.from([1, 2, 3]));
  });
});
