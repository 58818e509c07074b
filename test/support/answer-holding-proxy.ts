import net from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A TCP proxy in front of an MQTT 3.1.1 broker that makes it slow to answer acknowledgements, as
 * RabbitMQ at load 15–22 stayed quiet over a second after a pull released its window: once the
 * client has released messages `afterReleases` times (a write holding PUBACKs), what the broker
 * sends next is held for `holdMs`, then delivered in order. Fault injection in front of a real
 * broker, not a fake one.
 */
export interface AnswerHoldingProxy {
  url: string;
  /** Whether the hold started (the client acknowledged enough). */
  held(): boolean;
  close(): Promise<void>;
}

export async function startAnswerHoldingProxy(opts: { brokerPort: number; afterReleases: number; holdMs: number }): Promise<AnswerHoldingProxy> {
  let releases = 0;
  let holdStarted = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const broker = net.connect({ host: '127.0.0.1', port: opts.brokerPort });
    sockets.add(client).add(broker);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let holding: Buffer[] | undefined;
    let pubacks = 0;
    parser.on('packet', (p) => {
      if (p.cmd === 'puback') pubacks++;
    });
    client.on('data', (chunk) => {
      const before = pubacks;
      parser.parse(chunk);
      broker.write(chunk);
      if (pubacks === before || ++releases !== opts.afterReleases) return;
      holdStarted = true;
      holding = [];
      setTimeout(() => {
        if (!client.destroyed) for (const c of holding!) client.write(c);
        holding = undefined;
      }, opts.holdMs);
    });
    broker.on('data', (chunk) => (holding ? holding.push(chunk) : client.write(chunk)));
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
