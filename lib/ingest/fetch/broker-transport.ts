import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';
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

/** A byte stream to the broker for mqtt, mqtts, ws or wss URLs (used by pulls and the browser relay). */
export function openBrokerTransport(url: URL, tlsOptions?: BrokerTlsOptions): Duplex {
  const port = Number(url.port) || defaultPort(url.protocol);
  switch (url.protocol) {
    case 'mqtt:':
    case 'tcp:':
      return net.connect({ host: url.hostname, port });
    case 'mqtts:':
    case 'ssl:':
    case 'tls:':
      return tls.connect({
        host: url.hostname,
        port,
        servername: net.isIP(url.hostname) ? undefined : url.hostname,
        ca: tlsOptions?.ca,
        cert: tlsOptions?.cert,
        key: tlsOptions?.key,
        rejectUnauthorized: tlsOptions?.rejectUnauthorized ?? true,
      });
    case 'ws:':
    case 'wss:': {
      const socket = new WebSocket(url, ['mqtt'], { ca: tlsOptions?.ca, cert: tlsOptions?.cert, key: tlsOptions?.key, rejectUnauthorized: tlsOptions?.rejectUnauthorized ?? true });
      return createWebSocketStream(socket);
    }
    default:
      throw new SluiceError('INVALID_INPUT', `unsupported broker URL scheme "${url.protocol}" (use mqtt, mqtts, ws or wss)`);
  }
}

function defaultPort(protocol: string): number {
  return { 'mqtts:': 8883, 'ssl:': 8883, 'tls:': 8883, 'ws:': 80, 'wss:': 443 }[protocol] ?? 1883;
}
