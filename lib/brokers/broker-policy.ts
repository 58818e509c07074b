import net from 'node:net';
import os from 'node:os';
import { SluiceError } from '../errors';
import { brokerEndpoint, formatEndpoint, type BrokerEndpoint } from './broker-endpoint';

/**
 * Which brokers this Sluice may connect to: one policy for pulls, schedules, streaming, the preview
 * relay and the console's source check, applied where connections are opened (broker-transport.ts)
 * to the addresses actually connected to, so a host name that resolves somewhere else (DNS
 * rebinding) is judged by where it points.
 */
export interface BrokerPolicy {
  /** SLUICE_BROKER_ALLOW's entries; undefined when the operator set none. */
  allow?: AllowEntry[];
  /**
   * Sign-up is open, so anyone may define a dataset: loopback, private, link-local and other
   * non-public addresses are refused unless an entry names them explicitly (an address/CIDR or an
   * exact host name, not `*` or `*.domain`).
   */
  restrictPrivate: boolean;
  /** The operator's own brokers (SLUICE_BROKER_URL, the embedded broker): always allowed. */
  trusted: BrokerEndpoint[];
  /** This console's own ports: never a broker when on this machine (the relay would call itself). */
  consolePorts: number[];
}

export type AllowEntry = { kind: 'any'; ports?: PortRange } | { kind: 'host'; host: string; wildcard: boolean; ports?: PortRange } | { kind: 'net'; list: net.BlockList; text: string; ports?: PortRange };
type PortRange = [number, number];

/**
 * Addresses that are not the public internet (RFC 6890 special-purpose ranges): this machine, private
 * networks, link-local (cloud metadata services), CGNAT, multicast and reserved. IPv4-mapped IPv6
 * addresses are checked as the IPv4 address they carry.
 */
const NON_PUBLIC = new net.BlockList();
for (const [prefix, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  NON_PUBLIC.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [['::', 96], ['::ffff:0:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]] as const) {
  NON_PUBLIC.addSubnet(prefix, bits, 'ipv6');
}
const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addSubnet('0.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addAddress('::', 'ipv6');

function family(address: string): 'ipv4' | 'ipv6' {
  return net.isIPv6(address) ? 'ipv6' : 'ipv4';
}

/** Whether an address is on the public internet and not this machine's own (whose services are as internal as loopback's). */
export function isPublicAddress(address: string): boolean {
  return !NON_PUBLIC.check(address, family(address)) && !isThisMachine(address);
}

/** Loopback, or an address of one of this machine's own interfaces (its public IP included). */
function isThisMachine(address: string): boolean {
  if (LOOPBACK.check(address, family(address))) return true;
  return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address === address));
}

/**
 * Parses SLUICE_BROKER_ALLOW: entries separated by commas or spaces, each `*`, a host name
 * (`broker.example.com`), a domain wildcard (`*.example.com`), an address or CIDR (`10.1.0.0/16`,
 * `[fd00::]/8`), optionally followed by `:PORT` or `:FROM-TO`.
 */
export function parseBrokerAllowList(text: string): AllowEntry[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((raw) => {
      const m = /^(\[[^\]]+\](?:\/\d+)?|[^:]+(?:\/\d+)?)(?::(\d+)(?:-(\d+))?)?$/.exec(raw) ?? /^([^[\]]*:[^[\]]*)$/.exec(raw); // bare IPv6 without a port
      if (!m) throw invalidEntry(raw);
      const ports: PortRange | undefined = m[2] ? [Number(m[2]), Number(m[3] ?? m[2])] : undefined;
      if (ports && (ports[0] < 1 || ports[1] > 65535 || ports[0] > ports[1])) throw invalidEntry(raw);
      const target = m[1].replace(/^\[([^\]]+)\]/, '$1').toLowerCase();
      if (target === '*') return { kind: 'any', ports } as const;
      const [address, bitsText] = target.split('/');
      if (net.isIP(address)) {
        const fam = family(address);
        const bits = bitsText === undefined ? (fam === 'ipv4' ? 32 : 128) : Number(bitsText);
        if (!Number.isInteger(bits) || bits < 0 || bits > (fam === 'ipv4' ? 32 : 128)) throw invalidEntry(raw);
        const list = new net.BlockList();
        list.addSubnet(address, bits, fam);
        return { kind: 'net', list, text: target, ports } as const;
      }
      const wildcard = target.startsWith('*.');
      const host = wildcard ? target.slice(2) : target;
      if (bitsText !== undefined || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) throw invalidEntry(raw);
      return { kind: 'host', host, wildcard, ports } as const;
    });
}

function invalidEntry(raw: string): Error {
  return new Error(`SLUICE_BROKER_ALLOW: "${raw}" is not a host, *.domain, address, CIDR or *, optionally with :PORT or :FROM-TO`);
}

function portMatches(ports: PortRange | undefined, port: number): boolean {
  return !ports || (port >= ports[0] && port <= ports[1]);
}

function hostMatches(entry: { host: string; wildcard: boolean }, host: string): boolean {
  return entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host;
}

/**
 * Whether a connection to `endpoint` at `address` (what its host resolved to) is allowed; the
 * refusal says why, in words for the operator. Never reveals anything about the target itself.
 */
export function judgeBrokerAddress(policy: BrokerPolicy, endpoint: BrokerEndpoint, address: string): { ok: true } | { ok: false; reason: string } {
  const where = formatEndpoint(endpoint);
  if (isThisMachine(address) && policy.consolePorts.includes(endpoint.port)) return { ok: false, reason: `${where} is this console itself, not a broker` };
  if (policy.trusted.some((t) => t.port === endpoint.port && (t.host === endpoint.host || (isThisMachine(address) && (t.host === 'localhost' || (net.isIP(t.host) > 0 && isThisMachine(t.host))))))) return { ok: true };
  const publicAddress = isPublicAddress(address);
  if (!policy.allow) {
    if (policy.restrictPrivate && !publicAddress) return { ok: false, reason: `${where} is not a public address, and sign-up is open: the operator must allow it in SLUICE_BROKER_ALLOW` };
    return { ok: true };
  }
  for (const entry of policy.allow) {
    if (!portMatches(entry.ports, endpoint.port)) continue;
    const explicit = entry.kind === 'net' ? entry.list.check(address, family(address)) : entry.kind === 'host' ? hostMatches(entry, endpoint.host) && !entry.wildcard : false;
    const matches = explicit || entry.kind === 'any' || (entry.kind === 'host' && hostMatches(entry, endpoint.host));
    if (!matches) continue;
    if (publicAddress || !policy.restrictPrivate || explicit) return { ok: true };
  }
  return { ok: false, reason: `${where} is not allowed by this Sluice's broker policy (SLUICE_BROKER_ALLOW)` };
}

/**
 * A host name that does not resolve is judged as one resolving to a private address: while those
 * are refused, a refusal must not tell an unknown name from an internal one (that mapped internal
 * DNS), and a name saved unresolved must not start resolving to a loopback service later.
 * Allowed, the connection's own error says the name does not resolve.
 */
export function judgeUnresolvedBroker(policy: BrokerPolicy, endpoint: BrokerEndpoint): { ok: true } | { ok: false; reason: string } {
  return policy.restrictPrivate ? judgeBrokerAddress(policy, endpoint, PRIVATE_STAND_IN) : { ok: true };
}

/** An address of a private range (10.0.0.0/8) that stands for a name that did not resolve. */
const PRIVATE_STAND_IN = '10.0.0.0';

/** The refusal as the error pulls, the relay and the source check report. */
export function brokerNotAllowed(reason: string): SluiceError {
  return new SluiceError('BROKER_NOT_ALLOWED', `${reason}; ask the operator of this Sluice to allow the broker`);
}

export interface BrokerPolicySettings {
  SLUICE_BROKER_ALLOW?: string;
  SLUICE_BROKER_URL?: string;
  SLUICE_BROKER_WS_URL?: string;
  PORT?: number;
}

/** The policy of this deployment, from its settings; `signupOpen` decides whether private addresses need naming. */
export function brokerPolicyFrom(settings: BrokerPolicySettings, opts: { signupOpen: boolean; consolePorts?: number[] }): BrokerPolicy {
  const trusted = [settings.SLUICE_BROKER_URL, settings.SLUICE_BROKER_WS_URL].filter((u): u is string => !!u).map((u) => brokerEndpoint(u));
  return {
    allow: settings.SLUICE_BROKER_ALLOW ? parseBrokerAllowList(settings.SLUICE_BROKER_ALLOW) : undefined,
    restrictPrivate: opts.signupOpen,
    trusted,
    consolePorts: [...new Set([...(opts.consolePorts ?? []), ...(settings.PORT ? [settings.PORT] : [])])],
  };
}
