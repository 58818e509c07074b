import net from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it, so no standard port is assumed). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `count` distinct ports that were free a moment ago, held open together while they are found:
 * one lookup after another can return the same port (it is free again once the first closed it),
 * and a server given it twice fails to start.
 */
export async function freePorts(count: number): Promise<number[]> {
  const listening = Array.from(
    { length: count },
    () =>
      new Promise<net.Server>((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
  );
  const settled = await Promise.allSettled(listening);
  const servers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  // All of them are closed, the found ones also when another could not listen.
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return ports;
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
