import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { brokerPolicyFromEnv } from '../../../lib/brokers/active-broker-policy';
import { brokerEndpoint } from '../../../lib/brokers/broker-endpoint';
import { readEnv } from '../../../lib/config/env';
import { brokerPolicyFrom, judgeBrokerAddress, parseBrokerAllowList, type BrokerPolicy } from '../../../lib/brokers/broker-policy';

const at = (url: string) => brokerEndpoint(url);
/** This machine's own interface addresses (its public one on a server): as internal as loopback. */
const ownAddresses = () => Object.values(os.networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address.replace(/%.*$/, '')));
/** Settings as the environment gives them. */
const settings = (vars: Record<string, string>) => readEnv(vars as NodeJS.ProcessEnv);
const allowed = (policy: BrokerPolicy, url: string, address: string) => judgeBrokerAddress(policy, at(url), address).ok;

describe('the broker policy', () => {
  it('with sign-up closed and no allow list, any broker is allowed but this console itself', () => {
    const p = brokerPolicyFrom({}, { signupOpen: false, consolePorts: [3000] });
    expect(allowed(p, 'mqtt://10.0.0.5:1883', '10.0.0.5')).toBe(true);
    expect(allowed(p, 'mqtt://localhost:1883', '127.0.0.1')).toBe(true);
    expect(allowed(p, 'ws://localhost:3000', '127.0.0.1')).toBe(false);
    expect(allowed(p, 'ws://evil.example:3000', '::1')).toBe(false);
  });

  it("this machine's device endpoint ports are never a broker either, as configured or as `sluice start` passes them on", () => {
    const defaults = brokerPolicyFromEnv(settings({}), [3000]);
    for (const url of ['mqtt://127.0.0.1:1884', 'ws://localhost:8084/mqtt', 'mqtt://127.0.0.1:3000']) expect(allowed(defaults, url, '127.0.0.1'), url).toBe(false);
    expect(allowed(defaults, 'mqtt://127.0.0.1:1883', '127.0.0.1')).toBe(true);
    const moved = brokerPolicyFromEnv(settings({ SLUICE_DEVICE_PORT: '2884', SLUICE_DEVICE_WS_PORT: '2885', SLUICE_DEVICE_TLS_CERT: 'c', SLUICE_DEVICE_TLS_KEY: 'k', SLUICE_DEVICE_TLS_PORT: '2886' }));
    for (const port of [2884, 2885, 2886]) expect(allowed(moved, `mqtt://127.0.0.1:${port}`, '127.0.0.1'), String(port)).toBe(false);
    expect(allowed(brokerPolicyFromEnv(settings({ SLUICE_DEVICES: '0' })), 'mqtt://127.0.0.1:1884', '127.0.0.1')).toBe(true);
  });

  it('with sign-up open, loopback, private, link-local, CGNAT and mapped addresses are refused; public ones and the operator\'s broker pass', () => {
    const p = brokerPolicyFrom({ SLUICE_BROKER_URL: 'mqtt://127.0.0.1:1884', SLUICE_BROKER_WS_URL: 'ws://127.0.0.1:8084' }, { signupOpen: true });
    for (const address of ['127.0.0.1', '127.9.9.9', '0.0.0.0', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1', '::7f00:1', '::ffff:0:a00:1', '64:ff9b:1::1', ...ownAddresses()]) {
      expect(allowed(p, 'mqtt://attacker.example:6379', address), address).toBe(false);
    }
    expect(allowed(p, 'mqtt://broker.example:1883', '93.184.216.34')).toBe(true);
    expect(allowed(p, 'mqtt://broker.example:1883', '2606:2800:220:1::1')).toBe(true);
    expect(allowed(p, 'mqtt://127.0.0.1:1884', '127.0.0.1')).toBe(true); // the embedded broker
    expect(allowed(p, 'mqtt://localhost:1884', '127.0.0.1')).toBe(true);
    expect(allowed(p, 'ws://127.0.0.1:8084', '127.0.0.1')).toBe(true);
    expect(allowed(p, 'mqtt://127.0.0.1:5432', '127.0.0.1')).toBe(false); // same host, another port
  });

  it('an allow list admits only its entries; while sign-up is open, private addresses need an explicit entry', () => {
    const entries = 'broker.internal:1883, *.example.com, 10.9.0.0/16:8883, [fd00::]/8:1883-1890';
    const closed = brokerPolicyFrom({ SLUICE_BROKER_ALLOW: entries }, { signupOpen: false });
    const open = brokerPolicyFrom({ SLUICE_BROKER_ALLOW: entries }, { signupOpen: true });
    expect(allowed(closed, 'mqtt://broker.internal:1883', '10.1.1.1')).toBe(true);
    expect(allowed(open, 'mqtt://broker.internal:1883', '10.1.1.1')).toBe(true); // named exactly
    expect(allowed(closed, 'mqtt://broker.internal:1884', '10.1.1.1')).toBe(false); // port
    expect(allowed(closed, 'mqtts://a.example.com:8883', '93.184.216.34')).toBe(true);
    expect(allowed(closed, 'mqtts://example.com:8883', '93.184.216.34')).toBe(false); // *.x is subdomains only
    expect(allowed(closed, 'mqtts://a.example.com:8883', '127.0.0.1')).toBe(true);
    expect(allowed(open, 'mqtts://a.example.com:8883', '127.0.0.1')).toBe(false); // a wildcard name resolving home
    expect(allowed(open, 'mqtts://x.test:8883', '10.9.3.4')).toBe(true); // CIDR is explicit
    expect(allowed(open, 'mqtts://x.test:1883', '10.9.3.4')).toBe(false);
    expect(allowed(open, 'mqtt://[fd00::5]:1885', 'fd00::5')).toBe(true);
    expect(allowed(open, 'mqtt://other.test:1883', '93.184.216.34')).toBe(false);
    expect(allowed(brokerPolicyFrom({ SLUICE_BROKER_ALLOW: '*' }, { signupOpen: true }), 'mqtt://x.test:1883', '10.0.0.1')).toBe(false);
    expect(allowed(brokerPolicyFrom({ SLUICE_BROKER_ALLOW: '*' }, { signupOpen: true }), 'mqtt://x.test:1883', '8.8.8.8')).toBe(true);
  });

  it('refuses malformed entries with the entry in the message', () => {
    for (const bad of ['10.0.0.0/33', 'host:0', 'host:9-1', 'a_b.example', 'host/8']) expect(() => parseBrokerAllowList(bad), bad).toThrow(bad);
  });
});
