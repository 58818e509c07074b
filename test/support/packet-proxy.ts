import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** What the proxy does with a packet: pass it on (as given, or rewritten), or hang up instead of passing it. */
export type PacketVerdict = 'pass' | 'hang up' | { rewrite: Packet };
type Judge = (packet: Packet) => PacketVerdict;

/**
 * A TCP proxy in front of a real MQTT broker that decides packet by packet what reaches the other
 * side: fault injection at exact points of a session (instead of a SUBSCRIBE, once the client is
 * connected), where a timer would race a busy machine. Packets are parsed and generated again in the
 * protocol version the client's CONNECT asked for (Sluice tries MQTT 5 first).
 */
export interface PacketProxy {
  port: number;
  /**
   * Hangs up every open connection. A hang-up the test calls once its client says it is connected,
   * not one written right behind a packet: mqtt.js may see such a close before it has handled the
   * packet, as a hang-up instead of it.
   */
  hangUp(): void;
  close(): Promise<void>;
}

/**
 * `inflightLimit`: the proxy lets at most this many QoS 1/2 messages from the broker reach the
 * client unacknowledged (a QoS 1 message until its PUBACK, a QoS 2 one until its PUBCOMP, matched
 * by packet id) and holds what follows until acknowledgements pass: a broker's own in-flight
 * limit, which over MQTT 5 it may keep below the client's receive maximum without saying so
 * (EMQX's max_inflight: 32). Per connection, as the broker's window is.
 */
export async function startPacketProxy(opts: { brokerPort: number; fromBroker?: Judge; fromClient?: Judge; inflightLimit?: number }): Promise<PacketProxy> {
  const open = new Set<() => void>();
  const server = net.createServer({ noDelay: true }, (client) => {
    const broker = net.connect({ host: '127.0.0.1', port: opts.brokerPort, noDelay: true });
    const end = () => {
      open.delete(end);
      client.destroy();
      broker.destroy();
    };
    open.add(end);
    client.on('close', end).on('error', end);
    broker.on('close', end).on('error', end);

    let protocolVersion = 4;
    const relay = (packet: Packet, to: net.Socket, judge?: Judge) => {
      if (!open.has(end)) return;
      const verdict = judge?.(packet) ?? 'pass';
      if (verdict === 'hang up') return end();
      to.write(mqttPacket.generate(typeof verdict === 'object' ? verdict.rewrite : packet, { protocolVersion }));
    };
    // The packet ids of QoS 1/2 messages sent to the client and not yet acknowledged by it (a
    // resent DUP is one of them); PUBLISHes past the limit wait in order, QoS 0 ones too (EMQX
    // queues those behind a full window as well).
    const limit = opts.inflightLimit ?? Infinity;
    const inFlight = new Set<number>();
    const waiting: Packet[] = [];
    const toClient = (packet: Packet) => {
      if (packet.cmd === 'publish' && limit !== Infinity) {
        const id = packet.qos > 0 ? packet.messageId : undefined;
        if (waiting.length || (id !== undefined && !inFlight.has(id) && inFlight.size >= limit)) return void waiting.push(packet);
        if (id !== undefined) inFlight.add(id);
      }
      relay(packet, client, opts.fromBroker);
    };
    const fromClient = mqttPacket.parser({ protocolVersion });
    fromClient.on('packet', (packet) => {
      if (packet.cmd === 'connect') protocolVersion = packet.protocolVersion ?? 4;
      relay(packet, broker, opts.fromClient);
      if ((packet.cmd !== 'puback' && packet.cmd !== 'pubcomp') || !inFlight.delete(packet.messageId!)) return;
      while (waiting.length && inFlight.size < limit) {
        const next = waiting.shift()!;
        const id = next.cmd === 'publish' && next.qos > 0 ? next.messageId : undefined;
        if (id !== undefined) inFlight.add(id);
        relay(next, client, opts.fromBroker);
      }
    });
    client.on('data', (chunk) => fromClient.parse(chunk));
    // The broker speaks only after the client's CONNECT, so its parser is made knowing the version.
    let fromBroker: ReturnType<typeof mqttPacket.parser> | undefined;
    broker.on('data', (chunk) => {
      fromBroker ??= mqttPacket.parser({ protocolVersion }).on('packet', toClient);
      fromBroker.parse(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hangUp: () => {
      for (const end of [...open]) end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const end of [...open]) end();
        server.close(() => resolve());
      }),
  };
}

/**
 * Judges for a broker that, once armed, has lost the client's session (its CONNECT is turned into
 * a clean start) and now refuses one filter: the SUBSCRIBE it gets lacks the filter, and its SUBACK
 * grants the others and answers 0x80 for it, last (so `refused` must be the last filter the client
 * subscribes). The session the broker keeps holds the others only. Disarms itself after that SUBACK.
 */
export function lostSessionRefusing(refused: string) {
  let armed = false;
  return {
    arm: () => void (armed = true),
    fromClient: (p: Packet): PacketVerdict => {
      if (armed && p.cmd === 'connect') return { rewrite: { ...p, clean: true } };
      if (armed && p.cmd === 'subscribe') return { rewrite: { ...p, subscriptions: p.subscriptions.filter((s) => s.topic !== refused) } };
      return 'pass';
    },
    fromBroker: (p: Packet): PacketVerdict => {
      if (!armed || p.cmd !== 'suback') return 'pass';
      armed = false;
      return { rewrite: { ...p, granted: [...(p.granted as number[]), 0x80] } };
    },
  };
}

/**
 * A proxy in front of the broker at `brokerPort` that makes it one that comes back without a
 * session's subscriptions yet says the session is present (RabbitMQ after a kill -9 kept the
 * session's queue and routed nothing to it; EMQX 2 dropped subscriptions on a restart), on the
 * first connection after `arm()`: its CONNECT reaches the broker as a clean one and its CONNACK
 * reaches the client saying the session is present. Counts the SUBSCRIBEs clients send.
 */
export async function startForgetfulProxy(brokerPort: number): Promise<PacketProxy & { arm(): void; subscribes(): number }> {
  let armed = false;
  let subscribes = 0;
  const proxy = await startPacketProxy({
    brokerPort,
    fromClient: (p) => {
      if (p.cmd === 'subscribe') subscribes++;
      return armed && p.cmd === 'connect' ? { rewrite: { ...p, clean: true } } : 'pass';
    },
    fromBroker: (p) => {
      if (!armed || p.cmd !== 'connack') return 'pass';
      armed = false;
      return { rewrite: { ...p, sessionPresent: true } };
    },
  });
  return { ...proxy, arm: () => void (armed = true), subscribes: () => subscribes };
}
