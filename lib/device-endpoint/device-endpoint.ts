import { refuseUpgrade, requestPath } from '../http/request-path';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { listen, stopListening } from '../mqtt/listen';
import { DeviceCounter } from './device-counter';
import { DeviceSession, REASON, type DeviceLimits } from './device-session';
import type { DeviceEndpointContext } from './endpoint-context';
import { FailedAuthLimiter } from './failed-auth-limiter';
import { InboxWriter } from './inbox-writer';
import type { DeviceEndpointStore, PushTarget } from './ports';
import { SessionRegistry } from './session-registry';
import { UnauthenticatedConnections } from './unauthenticated-connections';

export const DEFAULT_DEVICE_LIMITS: DeviceLimits = {
  maxPacketBytes: 256 * 1024,
  maxConnectBytes: 16 * 1024,
  unauthenticatedPerAddress: 32,
  maxInflight: 1000,
  messagesPerSecond: 5000,
  connectionsPerCredential: 100,
  qos2SessionsPerCredential: 100,
  connectTimeoutMs: 10_000,
};

export interface DeviceEndpointOptions {
  store: DeviceEndpointStore;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** MQTT over TCP; 0 lets the OS pick. */
  port: number;
  /** MQTT over WebSocket (paths `/mqtt` and `/`); 0 lets the OS pick. */
  wsPort: number;
  /** MQTT over TLS, when a certificate is configured. */
  tls?: { port: number; cert: string | Buffer; key: string | Buffer };
  /** Take a free port when a requested one is in use (the embedded default). Default false. */
  portFallback?: boolean;
  limits?: Partial<DeviceLimits>;
  /** How often open connections' credentials are checked (revoked or expired ones are closed) and counters flushed. */
  checkEveryMs?: number;
  /**
   * Failed authentications per address and window before an address is refused without a check,
   * and how many checks of one address may run at once (default 4; a load test from one address
   * raises it).
   */
  failedAuth?: { max: number; windowMs: number; concurrent?: number };
  log?: (line: string) => void;
}

export interface DeviceEndpoint {
  readonly port: number;
  readonly wsPort: number;
  readonly tlsPort: number | undefined;
  /** `mqtt://host:port`, `ws://host:wsPort/mqtt`, `mqtts://host:tlsPort` as devices on this machine reach them. */
  readonly url: string;
  readonly wsUrl: string;
  readonly tlsUrl: string | undefined;
  close(): Promise<void>;
}

const WS_PATHS = new Set(['/', '/mqtt']);
/** How long a workspace's push datasets are cached: a new push dataset is reachable after at most this. */
const TARGETS_TTL_MS = 2000;

/**
 * The publish-only MQTT endpoint for devices (MQTT 3.1.1 and 5 over TCP, WebSocket and TLS):
 * messages of authenticated device credentials land in their workspace's push datasets' durable
 * inbox before they are acknowledged (see DeviceSession for the contract). Every `checkEveryMs`
 * the credentials of open connections are checked again — a revoked or expired one's connections
 * close — and message and refusal counts are written to the credentials.
 */
export async function startDeviceEndpoint(opts: DeviceEndpointOptions): Promise<DeviceEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const limits = { ...DEFAULT_DEVICE_LIMITS, ...opts.limits };
  const cache = new Map<string, { at: number; targets: Promise<PushTarget[]> }>();
  const ctx: DeviceEndpointContext = {
    store: opts.store,
    inbox: new InboxWriter(opts.store),
    limits,
    authLimiter: new FailedAuthLimiter(opts.failedAuth?.max, opts.failedAuth?.windowMs, Date.now, opts.failedAuth?.concurrent),
    sessions: new SessionRegistry(limits.connectionsPerCredential),
    unauthenticated: new UnauthenticatedConnections(limits.unauthenticatedPerAddress),
    counts: new DeviceCounter(),
    targets(workspaceId) {
      const hit = cache.get(workspaceId);
      if (hit && Date.now() - hit.at < TARGETS_TTL_MS) return hit.targets;
      const targets = opts.store.pushTargets(workspaceId);
      cache.set(workspaceId, { at: Date.now(), targets });
      targets.catch(() => cache.delete(workspaceId));
      return targets;
    },
    now: () => new Date(),
    log,
  };
  const sockets = new Set<Duplex>();
  const accept = (stream: Duplex, address: string | undefined) => {
    sockets.add(stream);
    stream.once('close', () => sockets.delete(stream));
    new DeviceSession(stream, address ?? 'unknown', ctx);
  };

  const servers: net.Server[] = [];
  const undo = async () => {
    for (const s of servers) await stopListening(s);
  };
  try {
    // Without Nagle's algorithm: a PUBACK held behind an unacknowledged segment waited for the
    // device's delayed ACK (40 ms), and a device with a small window waits on its PUBACKs.
    const tcp = net.createServer({ noDelay: true }, (socket) => accept(socket, socket.remoteAddress));
    servers.push(tcp);
    const port = await listenOn(tcp, host, opts.port, !!opts.portFallback, 'MQTT', log);

    const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPacketBytes + 5, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
    const web = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
      res.end('This is Sluice\'s device endpoint over WebSocket; connect an MQTT client to ws://<host>:<port>/mqtt\n');
    });
    const upgraded = countBeforeSession(web, ctx.unauthenticated);
    web.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      const path = requestPath(req);
      if (path === undefined) return refuseUpgrade(socket, 400);
      if (!WS_PATHS.has(path)) return refuseUpgrade(socket, 404);
      wss.handleUpgrade(req, socket, head, (ws) => {
        upgraded(req.socket);
        accept(createWebSocketStream(ws), req.socket.remoteAddress);
      });
    });
    servers.push(web);
    const wsPort = await listenOn(web, host, opts.wsPort, !!opts.portFallback, 'MQTT over WebSocket', log);

    let tlsPort: number | undefined;
    if (opts.tls) {
      const secure = tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: limits.connectTimeoutMs, noDelay: true }, (socket) => {
        handshaken(socket);
        accept(socket, socket.remoteAddress);
      });
      const handshaken = countBeforeSession(secure, ctx.unauthenticated);
      servers.push(secure);
      tlsPort = await listenOn(secure, host, opts.tls.port, !!opts.portFallback, 'MQTT over TLS', log);
    }

    const check = setInterval(() => void sweep(), opts.checkEveryMs ?? 2000);
    let sweeping: Promise<void> | undefined;
    const sweep = () =>
      (sweeping ??= (async () => {
        try {
          const refused = await opts.store.refusedCredentials(ctx.sessions.credentialIds(), ctx.now());
          for (const id of refused) ctx.sessions.closeCredential(id, REASON.notAuthorized);
          await opts.store.addCounts(ctx.counts.take());
        } catch (err) {
          log(`device endpoint: checking credentials failed: ${(err as Error).message}`);
        } finally {
          sweeping = undefined;
        }
      })());

    const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    const urlHost = connectHost.includes(':') ? `[${connectHost}]` : connectHost;
    const endpoint = {
      port,
      wsPort,
      tlsPort,
      url: `mqtt://${urlHost}:${port}`,
      wsUrl: `ws://${urlHost}:${wsPort}/mqtt`,
      tlsUrl: tlsPort === undefined ? undefined : `mqtts://${urlHost}:${tlsPort}`,
      async close() {
        clearInterval(check);
        const stopped = undo();
        ctx.sessions.closeAll();
        for (const s of sockets) s.destroy();
        for (const ws of wss.clients) ws.terminate();
        web.closeAllConnections();
        await stopped;
        await sweeping;
        await opts.store.addCounts(ctx.counts.take()).catch(() => undefined);
      },
    };
    log(`device endpoint (publish-only, MQTT 3.1.1 and 5) listening on ${[endpoint.url, endpoint.wsUrl, endpoint.tlsUrl].filter(Boolean).join(', ')}`);
    return endpoint;
  } catch (err) {
    await undo();
    throw err;
  }
}

/**
 * Counts a listener's connections among their address's unauthenticated ones from their first
 * byte, as the TCP port's are: else an address could hold any number open with a WebSocket upgrade
 * request or a TLS handshake it never finishes. The returned function hands a connection over to
 * its DeviceSession, which counts it from then on. Keyed by the remote address and port, which the
 * TLS socket shares with the TCP socket under it.
 */
function countBeforeSession(server: net.Server, unauthenticated: UnauthenticatedConnections): (socket: net.Socket) => void {
  const pending = new Map<string, () => void>();
  const key = (socket: net.Socket) => `${socket.remoteAddress}|${socket.remotePort}`;
  server.on('connection', (socket: net.Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    if (!unauthenticated.enter(address)) return void socket.destroy();
    const k = key(socket);
    const leave = () => {
      if (pending.get(k) !== leave) return;
      pending.delete(k);
      unauthenticated.leave(address);
    };
    pending.set(k, leave);
    socket.once('close', leave);
  });
  return (socket) => pending.get(key(socket))?.();
}

async function listenOn(server: net.Server, host: string, port: number, fallback: boolean, what: string, log: (line: string) => void): Promise<number> {
  try {
    return await listen(server, host, port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0 || !fallback) throw err;
    const actual = await listen(server, host, 0);
    log(`port ${port} is in use; the device endpoint takes ${what} on ${host}:${actual} instead`);
    return actual;
  }
}
