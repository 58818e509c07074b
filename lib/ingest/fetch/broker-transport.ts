import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';
import { brokerEndpoint, type BrokerEndpoint } from '../../brokers/broker-endpoint';
import { activeBrokerPolicy } from '../../brokers/active-broker-policy';
import { brokerNotAllowed, judgeBrokerAddress, judgeUnresolvedBroker, type BrokerPolicy } from '../../brokers/broker-policy';
import { SluiceError } from '../../errors';

export interface BrokerTlsOptions {
  /** PEM certificate(s) to trust instead of the system's. */
  ca?: string;
  rejectUnauthorized?: boolean;
  /** PEM client certificate and key, for brokers that require one. */
  cert?: string;
  key?: string;
}

/**
 * TLS settings kept as dataset or workspace secrets: MQTT_TLS_CA, and MQTT_TLS_CERT with
 * MQTT_TLS_KEY for a client certificate. Pulls and the preview relay both use them.
 */
export function brokerTlsFromSecrets(secrets: ReadonlyMap<string, string>): BrokerTlsOptions {
  const tls: BrokerTlsOptions = {};
  const ca = secrets.get('MQTT_TLS_CA');
  const cert = secrets.get('MQTT_TLS_CERT');
  const key = secrets.get('MQTT_TLS_KEY');
  if (ca) tls.ca = ca;
  if (cert && key) Object.assign(tls, { cert, key });
  return tls;
}

/** The largest WebSocket message taken from a broker (MQTT packets larger than this are refused anyway). */
const MAX_WS_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * A byte stream to the broker for mqtt, mqtts, ws or wss URLs: every connection Sluice makes to a
 * broker (pulls, schedules, the browser relay, the console's source check) is opened here, and
 * only to addresses the broker policy allows — judged on what the host name resolves to, and then
 * connected to exactly that address. A refusal is the stream's error (BROKER_NOT_ALLOWED).
 */
export function openBrokerTransport(url: URL, tlsOptions?: BrokerTlsOptions, policy: BrokerPolicy = activeBrokerPolicy()): Duplex {
  let endpoint: BrokerEndpoint;
  try {
    endpoint = brokerEndpoint(url);
  } catch (err) {
    return failedStream(err as Error);
  }
  const port = endpoint.port;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(hostname)) {
    // Literal addresses are not looked up, so they are judged here.
    const verdict = judgeBrokerAddress(policy, endpoint, hostname);
    if (!verdict.ok) return failedStream(brokerNotAllowed(verdict.reason));
  }
  const lookup = policyLookup(policy, endpoint);
  // Without Nagle's algorithm: acknowledgements are small writes (one buffer a release), and a
  // broker with an in-flight window sends nothing until it reads them. Held behind an
  // unacknowledged segment, each waited for the broker's delayed ACK (~40 ms). ws sets it itself.
  switch (url.protocol) {
    case 'mqtt:':
    case 'tcp:':
      return net.connect({ host: hostname, port, lookup, noDelay: true });
    case 'mqtts:':
    case 'ssl:':
    case 'tls:':
      return tls
        .connect({
          host: hostname,
          port,
          lookup,
          servername: net.isIP(url.hostname) ? undefined : url.hostname,
          ca: tlsOptions?.ca,
          cert: tlsOptions?.cert,
          key: tlsOptions?.key,
          rejectUnauthorized: tlsOptions?.rejectUnauthorized ?? true,
        })
        .setNoDelay(true);
    case 'ws:':
    case 'wss:': {
      // No compression and a bounded message: a broker cannot inflate 100 KB into 100 MiB before
      // the MQTT layer sees it (the relay's and pull's own packet limits are far below this).
      const socket = new WebSocket(url, ['mqtt'], { lookup, perMessageDeflate: false, maxPayload: MAX_WS_MESSAGE_BYTES, ca: tlsOptions?.ca, cert: tlsOptions?.cert, key: tlsOptions?.key, rejectUnauthorized: tlsOptions?.rejectUnauthorized ?? true });
      return createWebSocketStream(socket);
    }
    default:
      throw new SluiceError('INVALID_INPUT', `unsupported broker URL scheme "${url.protocol}" (use mqtt, mqtts, ws or wss)`);
  }
}

/**
 * The console's source check: whether the broker policy lets connections reach `url` (resolving
 * its host as a connection would), without connecting. Throws BROKER_NOT_ALLOWED with the reason.
 */
export async function assertBrokerAllowed(url: string, policy: BrokerPolicy = activeBrokerPolicy()): Promise<void> {
  const endpoint = brokerEndpoint(url);
  const addresses = net.isIP(endpoint.host) ? [endpoint.host] : await dns.promises.lookup(endpoint.host, { all: true }).then((a) => a.map((x) => x.address), () => []);
  if (!addresses.length) {
    const verdict = judgeUnresolvedBroker(policy, endpoint);
    if (!verdict.ok) throw brokerNotAllowed(verdict.reason);
  }
  for (const address of addresses) {
    const verdict = judgeBrokerAddress(policy, endpoint, address);
    if (!verdict.ok) throw brokerNotAllowed(verdict.reason);
  }
}

/**
 * A `lookup` for net/tls/http that resolves the host and refuses if ANY address it resolves to is
 * outside the policy (so a name cannot mix an allowed and a refused address), else hands exactly
 * the judged addresses to the connection.
 */
function policyLookup(policy: BrokerPolicy, endpoint: BrokerEndpoint): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family, hints: options.hints }, (err, addresses) => {
      if (err) {
        const verdict = judgeUnresolvedBroker(policy, endpoint);
        return callback(verdict.ok ? err : (brokerNotAllowed(verdict.reason) as unknown as NodeJS.ErrnoException), '', 0);
      }
      for (const a of addresses) {
        const verdict = judgeBrokerAddress(policy, endpoint, a.address);
        if (!verdict.ok) return callback(brokerNotAllowed(verdict.reason) as unknown as NodeJS.ErrnoException, '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** A stream that fails at once with `err`, for callers that handle connection errors on the stream. */
function failedStream(err: Error): Duplex {
  const stream = new Duplex({ read() {}, write(_chunk, _enc, cb) { cb(); } });
  process.nextTick(() => stream.destroy(err));
  return stream;
}
