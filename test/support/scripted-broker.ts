import net from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A broker that behaves as a test scripts it (a broken or hostile one), MQTT 3.1.1 over TCP on a
 * free loopback port: it answers CONNECT (no session present), SUBSCRIBE (granting what was asked)
 * and PINGREQ, counts what the client sends by packet type, and hands each subscribed connection
 * to `script`.
 */
export interface ScriptedBroker {
  url: string;
  /** Packets received from clients, by mqtt-packet `cmd` (pubcomp, puback, …). */
  received: Map<string, number>;
  stop(): Promise<void>;
}

export async function startScriptedBroker(script: (socket: net.Socket) => void): Promise<ScriptedBroker> {
  const received = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => {
      received.set(p.cmd, (received.get(p.cmd) ?? 0) + 1);
      if (p.cmd === 'connect') socket.write(mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      else if (p.cmd === 'pingreq') socket.write(mqttPacket.generate({ cmd: 'pingresp' }));
      else if (p.cmd === 'subscribe') {
        socket.write(mqttPacket.generate({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map((s) => s.qos) }));
        setImmediate(() => script(socket));
      }
    });
    socket.on('data', (chunk) => parser.parse(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
