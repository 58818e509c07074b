import { describe, expect, it } from 'vitest';
import { clientKey } from '../../../lib/device-endpoint/client-key';
import { FailedAuthLimiter } from '../../../lib/device-endpoint/failed-auth-limiter';
import { UnauthenticatedConnections } from '../../../lib/device-endpoint/unauthenticated-connections';

describe('per-address device limits count an IPv6 client by its /64', () => {
  it('failed authentications: addresses of one /64 share one budget, another /64 has its own', () => {
    const limiter = new FailedAuthLimiter(3, 60_000);
    // One client walking through its own interface identifiers.
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:DB8:1:2:0:0:0:3']) limiter.admit(address)!.settle(false);
    expect(limiter.admit('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBeUndefined();
    expect(limiter.admit('2001:db8:1:3::1')).toBeDefined();
  });

  it('unauthenticated connections: likewise, and a mapped IPv4 address is that IPv4 address', () => {
    const open = new UnauthenticatedConnections(2);
    expect(open.enter('2001:db8::a')).toBe(true);
    expect(open.enter('2001:db8::b')).toBe(true);
    expect(open.enter('2001:db8:0:0:1::c')).toBe(false);
    open.leave('2001:db8::a');
    expect(open.enter('2001:db8::d')).toBe(true);
    expect(open.enter('::ffff:192.0.2.7')).toBe(true);
    expect(open.enter('192.0.2.7')).toBe(true);
    expect(open.enter('::ffff:192.0.2.7')).toBe(false);
  });

  it('keys', () => {
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('1:2::3:4:5:6:7')).toBe('1:2:0:3::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(clientKey('10.0.0.1')).toBe('10.0.0.1');
    expect(clientKey('unknown')).toBe('unknown');
  });
});
