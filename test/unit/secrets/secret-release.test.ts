import { describe, expect, it } from 'vitest';
import { brokerEndpoint } from '../../../lib/brokers/broker-endpoint';
import { parseBrokerBindings, secretsForConnection, secretsReleasedTo } from '../../../lib/secrets/secret-release';

const stored = new Map([
  ['MQTT_PASSWORD', { value: 'pw', brokers: ['mqtts://broker.example.com:8883'] }],
  ['API_TOKEN', { value: 'tok', brokers: ['mqtt://other.example.com:1883', 'mqtts://broker.example.com:8883'] }],
  ['MQTT_TLS_KEY', { value: 'key', brokers: ['mqtts://broker.example.com:8883'] }],
  ['UNBOUND', { value: 'x', brokers: [] }],
]);

describe('where secrets may go', () => {
  it('releases a secret only to a broker it is bound to: same scheme, host and port', () => {
    expect([...secretsReleasedTo(stored, brokerEndpoint('mqtts://BROKER.example.com:8883')).values.keys()]).toEqual(['MQTT_PASSWORD', 'API_TOKEN', 'MQTT_TLS_KEY']);
    expect([...secretsReleasedTo(stored, brokerEndpoint('mqtt://broker.example.com:8883')).values.keys()]).toEqual([]); // TLS dropped
    expect([...secretsReleasedTo(stored, brokerEndpoint('mqtts://broker.example.com:8884')).values.keys()]).toEqual([]);
    expect([...secretsReleasedTo(stored, brokerEndpoint('mqtts://evil.example.com:8883')).values.keys()]).toEqual([]);
  });

  it('a WebSocket broker is bound with its path: another application on the same host and port gets nothing', () => {
    const ws = new Map([['TOKEN', { value: 't', brokers: ['wss://gateway.example.com:443/mqtt'] }]]);
    expect([...secretsReleasedTo(ws, brokerEndpoint('wss://gateway.example.com/mqtt')).values.keys()]).toEqual(['TOKEN']);
    expect([...secretsReleasedTo(ws, brokerEndpoint('wss://gateway.example.com/other-app')).values.keys()]).toEqual([]);
  });

  it('a template naming a secret bound elsewhere fails instead of resolving, and TLS material stays home', () => {
    const there = secretsForConnection(stored, 'mqtt://evil.example.com:1883', () => 'from-env');
    expect(() => there.lookup('MQTT_PASSWORD')).toThrow(/the secret MQTT_PASSWORD is not allowed for the broker mqtt:\/\/evil\.example\.com:1883/);
    expect(() => there.lookup('UNBOUND')).toThrow(/not allowed/);
    expect(there.lookup('NOT_STORED')).toBe('from-env');
    expect(there.tls).toEqual({});
    const home = secretsForConnection(stored, 'mqtts://broker.example.com');
    expect(home.lookup('MQTT_PASSWORD')).toBe('pw');
    expect(home.tls).toEqual({});
  });

  it('bindings typed by a maintainer are stored normalised', () => {
    expect(parseBrokerBindings('mqtts://Broker.Example.com, ws://[::1]:8083/mqtt/\nmqtt://h/ignored, wss://h')).toEqual(['mqtts://broker.example.com:8883', 'ws://[::1]:8083/mqtt', 'mqtt://h:1883', 'wss://h:443']);
    expect(() => parseBrokerBindings('http://x')).toThrow(/not a broker URL/);
  });
});
