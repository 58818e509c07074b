import net from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A TCP proxy in front of an MQTT 3.1.1 broker that makes it pause mid-backlog, as RabbitMQ at load
 * 15–22 did (it sent 6 of its window of 10 after a release, then nothing for over a second): after
 * the client's `afterReleases`-th release (a write holding PUBACKs), the broker's next
 * `passMessages` PUBLISH packets go through and what follows is held for `holdMs`, then delivered
 * in order. Fault injection in front of a real broker, not a fake one.
 */
export interface AnswerHoldingProxy {
  url: string;
  /** Whether the hold started (the client released enough, the broker sent the messages let through). */
  held(): boolean;
  close(): Promise<void>;
}

export async function startAnswerHoldingProxy(opts: { brokerPort: number; afterReleases: number; passMessages: number; holdMs: number }): Promise<AnswerHoldingProxy> {
  let releases = 0;
  let holdStarted = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const broker = net.connect({ host: '127.0.0.1', port: opts.brokerPort });
    sockets.add(client).add(broker);
    const fromClient = mqttPacket.parser({ protocolVersion: 4 });
    const fromBroker = mqttPacket.parser({ protocolVersion: 4 });
    /** PUBLISHes still let through before the hold; undefined until the release that starts it. */
    let pass: number | undefined;
    let holding: Buffer[] | undefined;
    let pubacks = 0;
    fromClient.on('packet', (p) => {
      if (p.cmd === 'puback') pubacks++;
    });
    client.on('data', (chunk) => {
      const before = pubacks;
      fromClient.parse(chunk);
      broker.write(chunk);
      if (pubacks > before && ++releases === opts.afterReleases) pass = opts.passMessages;
    });
    fromBroker.on('packet', (p) => {
      const bytes = mqttPacket.generate(p, { protocolVersion: 4 });
      if (holding) return void holding.push(bytes);
      client.write(bytes);
      if (p.cmd !== 'publish' || pass === undefined || --pass > 0) return;
      pass = undefined;
      holdStarted = true;
      holding = [];
      setTimeout(() => {
        if (!client.destroyed) for (const b of holding!) client.write(b);
        holding = undefined;
      }, opts.holdMs);
    });
    broker.on('data', (chunk) => fromBroker.parse(chunk));
    const end = () => {
      client.destroy();
      broker.destroy();
    };
    client.on('close', end).on('error', end);
    broker.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    held: () => holdStarted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
