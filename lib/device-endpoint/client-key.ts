import net from 'node:net';

/**
 * The key per-address limits count a client under: its IPv4 address (also when the socket reports
 * it IPv4-mapped), or its IPv6 address's /64. The interface identifier of an IPv6 address is its
 * holder's to choose, so counting each address on its own gave one client 2^64 budgets of failed
 * authentications and unauthenticated connections. Anything else (`unknown`) is its own key.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const bare = address.split('%')[0]; // a zone (fe80::1%eth0) is not part of the address
  if (!net.isIPv6(bare)) return address;
  return `${ipv6Groups(bare).slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  const groups = (text: string) =>
    text
      ? text.split(':').flatMap((part) => {
          if (!part.includes('.')) return [parseInt(part, 16)];
          const [a, b, c, d] = part.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        })
      : [];
  const [head, tail] = address.split('::');
  if (tail === undefined) return groups(head);
  const h = groups(head);
  const t = groups(tail);
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}
