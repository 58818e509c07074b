import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The path of an HTTP request's target, or undefined when it is not a valid one. Node's parser
 * accepts targets that `new URL` rejects (`GET //[ HTTP/1.1`), and a throw in an `upgrade`
 * listener ends the process: every upgrade handler reads its path through this, never throwing.
 */
export function requestPath(req: Pick<IncomingMessage, 'url'>): string | undefined {
  const target = req.url ?? '/';
  return URL.canParse(target, 'http://x') ? new URL(target, 'http://x').pathname : undefined;
}

/**
 * Whether every escape in the request's path decodes (`%E0` alone does not). Next.js answers such
 * a path with a bare 500 before any of Sluice's code runs, so the console's server refuses it first.
 */
export function pathDecodes(req: Pick<IncomingMessage, 'url'>): boolean {
  const path = requestPath(req);
  if (path === undefined) return false;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Answers an upgrade request with a bare HTTP status and closes the socket, also when the client
 * never closes its side (a half-open socket would otherwise stay).
 */
export function refuseUpgrade(socket: Pick<Duplex, 'end' | 'destroy'>, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}

/**
 * Who answers an upgrade request to the console: the relay, Next.js (its hot-reload socket, only in
 * --dev), or nobody — a bare status. Next.js's own handler answers nothing for a path it has no
 * route for and leaves the socket open, so anyone could hold any number of sockets with a header.
 */
export function upgradeRoute(req: Pick<IncomingMessage, 'url'>, opts: { relayPath: string; dev: boolean }): 'relay' | 'next' | { refuse: number } {
  const path = requestPath(req);
  if (path === undefined) return { refuse: 400 };
  if (path === opts.relayPath) return 'relay';
  if (opts.dev && path.startsWith('/_next/')) return 'next';
  return { refuse: 404 };
}
