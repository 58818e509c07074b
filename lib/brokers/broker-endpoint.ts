import net from 'node:net';
import { SluiceError } from '../errors';

/**
 * Where a connection goes: the transport scheme, host and port of a broker URL. Secrets are bound
 * to endpoints and the broker policy judges them, so both compare the same normalised triple.
 */
export interface BrokerEndpoint {
  /** mqtt (TCP), mqtts (TLS), ws or wss. */
  scheme: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  /** Lower-case host name, or an IP address without brackets. */
  host: string;
  port: number;
  /**
   * ws/wss only: the path, without a trailing `/` (`/mqtt`, or empty). One host and port may serve
   * several applications behind a proxy, so a secret bound to one path is not sent to another.
   */
  path: string;
}

const SCHEMES: Record<string, BrokerEndpoint['scheme']> = { 'mqtt:': 'mqtt', 'tcp:': 'mqtt', 'mqtts:': 'mqtts', 'ssl:': 'mqtts', 'tls:': 'mqtts', 'ws:': 'ws', 'wss:': 'wss' };
const DEFAULT_PORTS: Record<BrokerEndpoint['scheme'], number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

/** The endpoint of a broker URL (`mqtt://host:1883`, `wss://host/mqtt`, …); INVALID_INPUT otherwise. */
export function brokerEndpoint(url: string | URL): BrokerEndpoint {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new SluiceError('INVALID_INPUT', `"${String(url).slice(0, 200)}" is not a broker URL (mqtt://, mqtts://, ws:// or wss://)`);
  }
  const scheme = SCHEMES[u.protocol];
  if (!scheme || !u.hostname) throw new SluiceError('INVALID_INPUT', `"${u.href.slice(0, 200)}" is not a broker URL (use mqtt, mqtts, ws or wss)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const path = scheme === 'ws' || scheme === 'wss' ? u.pathname.replace(/\/+$/, '') : '';
  return { scheme, host, port: Number(u.port) || DEFAULT_PORTS[scheme], path };
}

/** `scheme://host:port` (plus a WebSocket path), IPv6 hosts bracketed: how endpoints are stored and shown. */
export function formatEndpoint(e: BrokerEndpoint): string {
  return `${e.scheme}://${net.isIPv6(e.host) ? `[${e.host}]` : e.host}:${e.port}${e.path}`;
}

export function sameEndpoint(a: BrokerEndpoint, b: BrokerEndpoint): boolean {
  return a.scheme === b.scheme && a.host === b.host && a.port === b.port && a.path === b.path;
}
