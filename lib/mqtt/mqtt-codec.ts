import mqttPacket, { type Packet } from 'mqtt-packet';

export type MqttVersion = 3 | 4 | 5;

/**
 * Decodes whole MQTT packets (as MqttFramer cuts them) and encodes packets, for one protocol
 * version: the relay re-generates every packet it passes, so only what mqtt-packet understood
 * crosses it. One codec per direction (the parser keeps the settings of the last CONNECT it read).
 */
export class MqttCodec {
  private readonly parser;
  private decoded: Packet | undefined;
  private failure: Error | undefined;

  constructor(readonly protocolVersion: MqttVersion) {
    this.parser = mqttPacket.parser({ protocolVersion });
    this.parser.on('packet', (p: Packet) => (this.decoded ??= p));
    this.parser.on('error', (err: Error) => (this.failure ??= err));
  }

  /** The one packet `frame` holds; throws when it is not exactly one valid packet. */
  decode(frame: Buffer): Packet {
    this.decoded = undefined;
    this.failure = undefined;
    const left = this.parser.parse(frame);
    if (this.failure) throw this.failure;
    if (!this.decoded || left !== 0) throw new Error('not one whole MQTT packet');
    return this.decoded;
  }

  encode(packet: Packet): Buffer {
    return mqttPacket.generate(packet, { protocolVersion: this.protocolVersion });
  }
}
