import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import WebSocket, { createWebSocketStream } from 'ws';
import { SluiceError } from '../../errors';

export interface BrokerTlsOptions {
  ca?: string;
  rejectUnauthorized?: boolean;
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
        rejectUnauthorized: tlsOptions?.rejectUnauthorized ?? true,
      });
    case 'ws:':
    case 'wss:': {
      const socket = new WebSocket(url, ['mqtt'], { ca: tlsOptions?.ca, rejectUnauthorized: tlsOptions?.rejectUnauthorized ?? true });
      return createWebSocketStream(socket);
    }
    default:
      throw new SluiceError('INVALID_INPUT', `unsupported broker URL scheme "${url.protocol}" (use mqtt, mqtts, ws or wss)`);
  }
}

function defaultPort(protocol: string): number {
  return { 'mqtts:': 8883, 'ssl:': 8883, 'tls:': 8883, 'ws:': 80, 'wss:': 443 }[protocol] ?? 1883;
}
