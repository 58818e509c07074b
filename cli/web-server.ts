import http, { type IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import next from 'next';
import { WebSocketServer } from 'ws';
import { createAuth } from '../lib/auth/create-auth';
import { precompressedAssets } from './precompressed-assets';
import { readEnv, type SluiceEnv } from '../lib/config/env';
import { startScheduler } from '../lib/schedules/scheduler';
import { startInboxFolder } from '../lib/ingest/inbox-folder';
import { startAlwaysOnRunner } from '../lib/ingest/always-on-runner';
import { openThreadedMqttSession } from '../lib/ingest/fetch/threaded-mqtt-session';
import { workerEnvironment } from '../lib/config/pull-environment';
import { loadMasterKey } from '../lib/config/secret-key';
import { isSluiceError, SluiceError } from '../lib/errors';
import { ConnectionsPerAccount } from '../lib/relay/connections-per-account';
import { relayMqtt } from '../lib/relay/mqtt-relay';
import { pathDecodes, refuseUpgrade, upgradeRoute } from '../lib/http/request-path';
import { installConsoleBrokerPolicy } from '../lib/brokers/active-broker-policy';
import { RELAY_PATH, relayPolicyFor } from '../lib/relay/relay-access';
import { isFromConsoleOrigin } from '../lib/relay/relay-origin';
import { connectStore, defaultDataDir, type Store } from '../lib/store/connect-store';
import { startDeviceEndpoint } from '../lib/device-endpoint/device-endpoint';
import { deviceEndpointConfig } from '../lib/device-endpoint/endpoint-config';
import { startOpeningEngine } from '../lib/query/opening-engine';

/** How long a client may take to send a request's headers (see createServer below). */
const HEADERS_TIMEOUT_MS = 10_000;

const ROOT = path.resolve(import.meta.dirname, '..');

/** The header Better Auth reads the client address from (lib/auth/create-auth.ts); set here only. */
export const CLIENT_IP_HEADER = 'x-sluice-client-ip';

/**
 * The console's HTTP server: Next.js behind a plain Node server, so that the client address comes
 * from the socket (or, behind a reverse proxy with SLUICE_TRUST_PROXY=1, from the address the proxy
 * appended) and not from a header the client chose — sign-in rate limits key on it.
 */
export async function serveConsole(opts: {
  port: number;
  host: string;
  dev?: boolean;
  worker?: boolean;
  devices?: boolean;
  /** The whole request, body included, must arrive within this long (`--request-timeout`; default 30 s, Node's 5 minutes). */
  requestTimeout?: number;
}): Promise<{ stop(): Promise<void> }> {
  const requestTimeout = opts.requestTimeout ?? 30_000;
  if (requestTimeout < HEADERS_TIMEOUT_MS) throw new SluiceError('INVALID_INPUT', `the request timeout must be at least ${HEADERS_TIMEOUT_MS / 1000} s, the time a request's headers alone may take`);
  const app = next({ dev: !!opts.dev, dir: ROOT, hostname: opts.host, port: opts.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  // The query page's first result comes from the server while the browser's DuckDB starts: the
  // server's own engine starts now (in the background), not on the first page that needs it.
  void startOpeningEngine().catch(() => undefined); // logged there
  const trustProxy = process.env.SLUICE_TRUST_PROXY === '1';
  const assets = opts.dev ? undefined : precompressedAssets(path.join(ROOT, '.next'));
  // A client gets HEADERS_TIMEOUT_MS to send its request headers (Node's default 60 s, checked
  // every 30 s, let one that trickles them hold a connection for up to 90 s: slowloris), and
  // the request timeout for its body (a body sent a byte every 2 s held one for 5 minutes).
  const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout, connectionsCheckingInterval: 1_000 }, (req, res) => {
    req.headers[CLIENT_IP_HEADER] = clientAddress(req, trustProxy);
    if (!pathDecodes(req)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'INVALID_INPUT', message: 'the address holds a malformed percent-escape' }));
      return;
    }
    (assets ? assets(req, res) : Promise.resolve(false)).then(
      (served) => (served ? undefined : handle(req, res)),
      (err: unknown) => {
        console.error(err);
        res.destroy();
      },
    );
  });
  const env = readEnv();
  const dataDir = env.SLUICE_DATA_DIR ?? defaultDataDir();
  const store = await connectStore({ databaseUrl: env.DATABASE_URL, dataDir });
  // Brokers are judged knowing this console's own port too (it is never a broker).
  await installConsoleBrokerPolicy(store, env, [opts.port]);
  const relay = relayUpgrade(store, env, dataDir, trustProxy);
  const log = (line: string) => console.error(line);
  const environment = opts.worker === false ? undefined : await workerEnvironment(process.env, env.SLUICE_PULL_ENV, store.workspaces, log);
  const scheduler = opts.worker === false ? undefined : await startScheduler({ store, databaseUrl: store.databaseUrl, environment, openSession: openThreadedMqttSession });
  const folder = opts.worker === false ? undefined : startInboxFolder({ store: store.ingest, log });
  const streams = opts.worker === false ? undefined : startAlwaysOnRunner({ store: store.ingest, log, environment, openSession: openThreadedMqttSession });
  const nextUpgrade = app.getUpgradeHandler();
  server.on('upgrade', (req, socket, head) => {
    const route = upgradeRoute(req, { relayPath: RELAY_PATH, dev: !!opts.dev });
    if (route === 'relay') relay(req, socket, head);
    else if (route === 'next') void nextUpgrade(req, socket, head);
    else refuseUpgrade(socket, route.refuse);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, opts.host, resolve));
  // Devices publish to this process unless `sluice start` runs the endpoint itself (--no-devices) or
  // SLUICE_DEVICES=0. Started once the console holds its port: an endpoint on port 0 takes any free
  // port, and took the console's own (chosen free a moment before) from under it.
  const deviceConfig = opts.devices === false ? undefined : deviceEndpointConfig(env);
  const devices = deviceConfig && (await startDeviceEndpoint({ ...deviceConfig, store: store.devices, log: (line) => console.error(line) }));
  return {
    stop: async () => {
      server.close();
      await devices?.close();
      await streams?.stop();
      await folder?.stop();
      await scheduler?.stop();
      await store.close();
    },
  };
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') return forwarded.split(',').at(-1)!.trim();
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * The MQTT-over-WebSocket relay for the live preview: only pages of the console's own origin may
 * open it; the browser's session decides the dataset, broker and permissions, and is checked again
 * while the connection is open; each account has at most SLUICE_RELAY_MAX_CONNECTIONS open, and no
 * WebSocket message or MQTT packet may exceed SLUICE_RELAY_MAX_PACKET. Refusals are plain HTTP
 * answers to the upgrade.
 */
function relayUpgrade(store: Store, env: SluiceEnv, dataDir: string, trustProxy: boolean) {
  const auth = createAuth({ prisma: store.prisma, baseURL: env.SLUICE_PUBLIC_URL, masterKey: loadMasterKey({ envValue: env.SLUICE_SECRET_KEY, dataDir: env.DATABASE_URL ? undefined : dataDir }) });
  const maxPacketBytes = env.SLUICE_RELAY_MAX_PACKET;
  const connections = new ConnectionsPerAccount(env.SLUICE_RELAY_MAX_CONNECTIONS);
  // A message carries one packet (mqtt.js sends one per message, or less): its header is at most 5 bytes.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPacketBytes + 5, handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false) });
  return (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!isFromConsoleOrigin(req, { publicUrl: env.SLUICE_PUBLIC_URL, trustProxy })) return refuseUpgrade(socket, 403);
    const deps = { store, auth };
    relayPolicyFor(req, deps).then(
      (policy) => {
        if (socket.destroyed) return;
        const release = connections.tryAcquire(policy.accountId);
        if (!release) return refuseUpgrade(socket, 429);
        socket.once('close', release);
        wss.handleUpgrade(req, socket, head, (ws) => relayMqtt(ws, policy, { maxPacketBytes, recheck: () => relayPolicyFor(req, deps) }));
      },
      (err: unknown) => {
        const status = isSluiceError(err, 'UNAUTHENTICATED') ? 401 : isSluiceError(err, 'FORBIDDEN') ? 403 : isSluiceError(err) ? 404 : 500;
        if (!isSluiceError(err)) console.error(err);
        refuseUpgrade(socket, status);
      },
    );
  };
}
