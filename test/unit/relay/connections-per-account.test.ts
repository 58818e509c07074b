import { describe, expect, it } from 'vitest';
import { ConnectionsPerAccount } from '../../../lib/relay/connections-per-account';

describe('ConnectionsPerAccount', () => {
  it('gives each account at most `max` slots, and a slot back once per release', () => {
    const c = new ConnectionsPerAccount(2);
    const a1 = c.tryAcquire('a')!;
    expect(c.tryAcquire('a')).toBeDefined();
    expect(c.tryAcquire('a')).toBeUndefined();
    expect(c.tryAcquire('b')).toBeDefined();
    a1();
    a1();
    expect(c.tryAcquire('a')).toBeDefined();
    expect(c.tryAcquire('a')).toBeUndefined();
  });
});
