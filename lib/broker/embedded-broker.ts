/**
 * The embedded MQTT broker: aedes (MQTT 3.1.1 only) over TCP and WebSocket, in memory or persisted
 * with aedes-persistence-level, so Sluice works out of the box without a separate broker. aedes
 * runs with Sluice's fixes applied at install (./aedes-patches.ts); it refuses to start without them.
 *
 * Ports: when a requested port is taken (another broker already listens on 1883, say) the broker
 * takes a free port from the OS instead and says so through `log`, unless `portFallback` is false,
 * in which case it fails with a `BrokerPortInUseError` naming the port. Callers must use the
 * returned `port` / `url`, never the requested one.
 */
import { refuseUpgrade, requestPath } from '../http/request-path';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { Aedes, type AedesOptions, type AuthenticateError } from 'aedes';
import aedesPersistenceLevel from 'aedes-persistence-level';
import { Level } from 'level';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { missingAedesFixes } from './aedes-patches';
import { listen, stopListening } from '../mqtt/listen';

export interface EmbeddedBrokerOptions {
  /** Interface to bind, TCP and WebSocket alike. Default 127.0.0.1 (not reachable from other machines). */
  host?: string;
  /** MQTT over TCP. Default 1883; 0 lets the OS pick. */
  port?: number;
  /** MQTT over WebSocket (paths `/mqtt` and `/`). Default 8083; 0 lets the OS pick. */
  wsPort?: number;
  /**
   * Keep persistent sessions (subscriptions and queued QoS 1/2 messages) and retained messages in a
   * LevelDB database under this directory (`<dataDir>/aedes-level`), so they survive restarts.
   * One broker at a time may use a directory. In memory when absent.
   */
  dataDir?: string;
  /** Take a free port when a requested one is in use. Default true. */
  portFallback?: boolean;
  /** When set, clients must present one of these username → password pairs (CONNACK code 4 otherwise). */
  users?: Record<string, string>;
  /** Receives one-line human-readable notices (listening addresses, port fallback, runtime errors). Default: silent. */
  log?: (line: string) => void;
}

export interface EmbeddedBroker {
  /** The TCP port actually listened on. */
  readonly port: number;
  /** The WebSocket port actually listened on. */
  readonly wsPort: number;
  /** `mqtt://host:port` (a wildcard host, 0.0.0.0 or ::, is given as its loopback address). */
  readonly url: string;
  /** `ws://host:wsPort/mqtt` */
  readonly wsUrl: string;
  /** Disconnects clients, stops listening and closes the persistence. Idempotent. */
  close(): Promise<void>;
}

/** A requested port was in use and `portFallback` was off. */
export class BrokerPortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(
    readonly transport: 'tcp' | 'ws',
    readonly host: string,
    readonly port: number,
    options?: { cause?: unknown },
  ) {
    const what = transport === 'tcp' ? 'MQTT' : 'MQTT over WebSocket';
    super(
      `port ${port} on ${host} is already in use (another MQTT broker?); cannot start the embedded ${what} listener there. ` +
        `Stop the other process, choose another port, or allow port fallback.`,
      options,
    );
    this.name = 'BrokerPortInUseError';
  }
}

/** Subdirectory of `dataDir` holding the LevelDB files. */
export const BROKER_LEVEL_SUBDIR = 'aedes-level';

const DEFAULTS = { host: '127.0.0.1', port: 1883, wsPort: 8083 } as const;
const WS_PATHS = new Set(['/', '/mqtt']);

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? DEFAULTS.host;
  const requestedPort = opts.port ?? DEFAULTS.port;
  const requestedWsPort = opts.wsPort ?? DEFAULTS.wsPort;
  const portFallback = opts.portFallback ?? true;
  const log = opts.log ?? (() => {});
  checkPort('port', requestedPort);
  checkPort('wsPort', requestedWsPort);
  // Without them aedes silently loses messages; an install that skipped npm's scripts lacks them.
  const missing = missingAedesFixes();
  if (missing.length > 0) {
    throw new Error(`the embedded broker needs Sluice's fixes to aedes, missing in ${missing.join(', ')}: run \`node bin/patch-aedes.mjs\` (npm install runs it)`);
  }

  // Everything opened so far, undone in reverse order if a later step fails.
  const undoStack: (() => Promise<void>)[] = [];

  try {
    let persistence: AedesOptions['persistence'];
    let levelDir: string | undefined;
    let closePersistence = async () => {};
    if (opts.dataDir) {
      levelDir = path.join(opts.dataDir, BROKER_LEVEL_SUBDIR);
      const db = await openLevel(levelDir);
      const guarded = guardForShutdown(db);
      closePersistence = async () => {
        await guarded.drain();
        await db.close();
      };
      undoStack.push(closePersistence);
      persistence = markResentDup(aedesPersistenceLevel(guarded.db));
    }

    const aedes = await Aedes.createBroker({
      ...(persistence ? { persistence } : {}),
      ...(opts.users ? { authenticate: authenticator(opts.users) } : {}),
    });
    // aedes emits 'error' when its persistence fails (a full disk, say). Unhandled, that would take
    // the whole process down; report it instead. Failures once closing has begun are expected.
    // ('error' is missing from aedes' typed events, hence the cast.)
    let closing: Promise<void> | undefined;
    (aedes as EventEmitter).on('error', (err: Error) => {
      if (!closing) log(`embedded broker error: ${err.message}`);
    });
    const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()));
    undoStack.push(closeAedes);

    // TCP
    const tcpSockets = new Set<net.Socket>();
    // Without Nagle's algorithm, as Sluice's own connections: acknowledgements are small writes a
    // client's window waits on.
    const tcpServer = net.createServer({ noDelay: true }, (socket) => {
      tcpSockets.add(socket);
      socket.once('close', () => tcpSockets.delete(socket));
      aedes.handle(socket);
    });
    const port = await listenWithFallback(tcpServer, 'tcp', host, requestedPort, portFallback, log);
    tcpServer.on('error', (err) => log(`embedded broker TCP listener error: ${err.message}`));
    undoStack.push(async () => {
      const stopped = stopListening(tcpServer);
      for (const socket of tcpSockets) socket.destroy();
      await stopped;
    });

    // WebSocket: one HTTP server, upgrades accepted on `/mqtt` and `/`.
    const wss = new WebSocketServer({ noServer: true });
    const httpServer = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
      res.end('This is an MQTT over WebSocket endpoint; connect an MQTT client to ws://<host>:<port>/mqtt\n');
    });
    httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      const pathname = requestPath(req);
      if (pathname === undefined) return refuseUpgrade(socket, 400);
      if (!WS_PATHS.has(pathname)) return refuseUpgrade(socket, 404);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    wss.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
      aedes.handle(createWebSocketStream(ws), req);
    });
    const wsPort = await listenWithFallback(httpServer, 'ws', host, requestedWsPort, portFallback, log);
    httpServer.on('error', (err) => log(`embedded broker WebSocket listener error: ${err.message}`));
    wss.on('error', (err) => log(`embedded broker WebSocket error: ${err.message}`));

    // URLs are for clients on this machine: a wildcard bind is reached through loopback.
    const connectHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    const urlHost = connectHost.includes(':') ? `[${connectHost}]` : connectHost;
    const url = `mqtt://${urlHost}:${port}`;
    const wsUrl = `ws://${urlHost}:${wsPort}/mqtt`;
    log(
      `embedded MQTT broker listening on ${url} and ${wsUrl} (MQTT 3.1.1; ` +
        `${levelDir ? `sessions and retained messages kept in ${levelDir}` : 'in memory'}` +
        `${opts.users ? '; authentication required' : ''})`,
    );

    const close = async () => {
      // Stop accepting, let aedes disconnect its clients, drop whatever is left (connections that
      // never sent CONNECT, half-closed WebSockets), then release the database.
      const tcpStopped = stopListening(tcpServer);
      const httpStopped = stopListening(httpServer);
      await closeAedes();
      for (const socket of tcpSockets) socket.destroy();
      for (const ws of wss.clients) ws.terminate();
      httpServer.closeAllConnections();
      await Promise.all([tcpStopped, httpStopped, new Promise<void>((resolve) => wss.close(() => resolve()))]);
      await closePersistence();
    };
    return {
      port,
      wsPort,
      url,
      wsUrl,
      close() {
        closing ??= close();
        return closing;
      },
    };
  } catch (err) {
    for (const fn of undoStack.reverse()) await fn().catch(() => {});
    throw err;
  }
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${name} must be an integer from 0 to 65535, got ${port}`);
  }
}

async function listenWithFallback(
  server: net.Server,
  transport: 'tcp' | 'ws',
  host: string,
  port: number,
  fallback: boolean,
  log: (line: string) => void,
): Promise<number> {
  try {
    return await listen(server, host, port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    if (!fallback) throw new BrokerPortInUseError(transport, host, port, { cause: err });
    const actual = await listen(server, host, 0);
    log(
      transport === 'tcp'
        ? `port ${port} is in use (another MQTT broker?); embedded broker listening on ${host}:${actual} instead`
        : `WebSocket port ${port} is in use; embedded broker accepting MQTT over WebSocket on ${host}:${actual} instead`,
    );
    return actual;
  }
}

async function openLevel(dir: string): Promise<Level<string, Uint8Array>> {
  fs.mkdirSync(dir, { recursive: true });
  const db = new Level<string, Uint8Array>(dir);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new Error(`embedded broker data directory ${dir} is in use by another broker (is Sluice already running?)`, {
        cause: err,
      });
    }
    throw new Error(`cannot open the embedded broker's data directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

interface OutgoingPacket {
  cmd?: string;
  messageId?: number;
  dup?: boolean;
}

/**
 * aedes resends a persistent session's unacknowledged PUBLISHes when it reconnects, but without the
 * DUP flag [MQTT-3.3.1-1], so a pull cannot tell them from new messages and, after a killed pull,
 * must assume the broker might withhold them (ingest/pending-at-broker.ts: a redelivery wait). The
 * queue they are read from (outgoingStream, on reconnect) holds both kinds: a message that was sent
 * has its packet id recorded (outgoingUpdate), one queued while the client was away has none. Those
 * with a packet id are marked DUP as they are read. (A wrapper, not an aedes patch: the flag is
 * only ever read from the packet written.)
 */
function markResentDup<P extends object>(persistence: P): P {
  const p = persistence as P & { outgoingStream(client: unknown): Readable };
  const outgoingStream = p.outgoingStream.bind(p);
  p.outgoingStream = (client) =>
    outgoingStream(client).map((packet: OutgoingPacket) => {
      if (packet.cmd === 'publish' && packet.messageId) packet.dup = true;
      return packet;
    });
  return p;
}

/**
 * aedes.close() resolves before the persistence work started by its clients is done: writes of
 * disconnecting sessions, and retained-message scans for subscriptions still being served. Closing
 * LevelDB under a scan makes its iterator throw inside a stream nobody listens to any more, which
 * crashes the process (unhandled 'error' event, LEVEL_ITERATOR_NOT_OPEN). So the proxy counts
 * pending operations, for close to wait for (bounded), and once shutdown has begun a scan cut short
 * by the closed database simply ends: its subscriber is gone anyway.
 */
function guardForShutdown<T extends object>(db: T): { db: T; drain(timeoutMs?: number): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  let shuttingDown = false;
  const cutShort = (err: unknown) =>
    shuttingDown && /^LEVEL_(ITERATOR|DATABASE)_NOT_OPEN$/.test(String((err as { code?: unknown }).code));

  const proxy = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...a: unknown[]) => unknown;
      if (prop === 'values' || prop === 'keys' || prop === 'iterator') {
        // aedes-persistence-level only ever `for await`s these.
        return (...args: unknown[]) => {
          const iterable = method.apply(target, args) as AsyncIterable<unknown>;
          return (async function* () {
            try {
              yield* iterable;
            } catch (err) {
              if (!cutShort(err)) throw err;
            }
          })();
        };
      }
      return (...args: unknown[]) => {
        const result = method.apply(target, args);
        if (result instanceof Promise) {
          pending.add(result);
          const forget = () => pending.delete(result);
          result.then(forget, forget);
        }
        return result;
      };
    },
  });
  return {
    db: proxy,
    async drain(timeoutMs = 2_000) {
      shuttingDown = true;
      const deadline = Date.now() + timeoutMs;
      // New operations may start while earlier ones settle (a client's close chains several).
      while (pending.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, 20))]);
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

function authenticator(users: Record<string, string>): NonNullable<AedesOptions['authenticate']> {
  const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();
  const table = new Map(Object.entries(users).map(([user, password]) => [user, digest(password)]));
  return (_client, username, password, done) => {
    const expected = username === undefined ? undefined : table.get(username);
    // Hash both sides so the comparison takes the same time whatever the lengths.
    const ok = expected !== undefined && password !== undefined && timingSafeEqual(expected, digest(password));
    if (ok) return done(null, true);
    const err = new Error('bad username or password') as AuthenticateError;
    err.returnCode = 4; // AuthErrorCode.BAD_USERNAME_OR_PASSWORD (a const enum: not importable under isolatedModules)
    done(err, null);
  };
}
