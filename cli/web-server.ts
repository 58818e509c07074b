import http, { type IncomingMessage } from 'node:http';
import path from 'node:path';
import next from 'next';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The header Better Auth reads the client address from (lib/auth/create-auth.ts); set here only. */
export const CLIENT_IP_HEADER = 'x-sluice-client-ip';

/**
 * The console's HTTP server: Next.js behind a plain Node server, so that the client address comes
 * from the socket (or, behind a reverse proxy with SLUICE_TRUST_PROXY=1, from the address the proxy
 * appended) and not from a header the client chose — sign-in rate limits key on it.
 */
export async function serveConsole(opts: { port: number; host: string; dev?: boolean }): Promise<http.Server> {
  const app = next({ dev: !!opts.dev, dir: ROOT, hostname: opts.host, port: opts.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const trustProxy = process.env.SLUICE_TRUST_PROXY === '1';
  const server = http.createServer((req, res) => {
    req.headers[CLIENT_IP_HEADER] = clientAddress(req, trustProxy);
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, opts.host, resolve));
  return server;
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') return forwarded.split(',').at(-1)!.trim();
  return req.socket.remoteAddress ?? 'unknown';
}
