import type { IncomingMessage } from 'node:http';

/**
 * The console's own origin: SLUICE_PUBLIC_URL's when set, else the scheme and Host the request
 * came in on (the scheme from the socket, or, behind a trusted proxy, its X-Forwarded-Proto).
 */
export function consoleOrigin(req: IncomingMessage, opts: { publicUrl?: string; trustProxy: boolean }): string | undefined {
  if (opts.publicUrl) return new URL(opts.publicUrl).origin;
  const host = req.headers.host;
  if (!host) return undefined;
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = opts.trustProxy && typeof forwarded === 'string' ? forwarded.split(',').at(-1)!.trim() : 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  if (proto !== 'http' && proto !== 'https') return undefined;
  return originOf(`${proto}://${host}`);
}

/**
 * Whether a WebSocket upgrade comes from a page of the console itself. Browsers send the page's
 * Origin on every WebSocket handshake and the SameSite=Lax session cookie goes along from every
 * origin of the same site (another port, another subdomain), so the Origin is what tells the
 * console's preview from another page riding on the reader's session. No Origin: refused too.
 */
export function isFromConsoleOrigin(req: IncomingMessage, opts: { publicUrl?: string; trustProxy: boolean }): boolean {
  const origin = req.headers.origin;
  const expected = consoleOrigin(req, opts);
  return typeof origin === 'string' && expected !== undefined && originOf(origin) === expected;
}

/** The URL's serialised origin ("null" for opaque ones), or undefined when it is no URL. */
function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
