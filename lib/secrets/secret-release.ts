import { brokerEndpoint, formatEndpoint, sameEndpoint, type BrokerEndpoint } from '../brokers/broker-endpoint';
import { SluiceError } from '../errors';
import { brokerTlsFromSecrets, type BrokerTlsOptions } from '../ingest/fetch/broker-transport';
import type { TemplateLookup } from '../odf';

/** A stored secret as the store hands it out: its value and the brokers it is bound to. */
export interface StoredSecret {
  value: string;
  /** Endpoints (`scheme://host:port`) a maintainer allowed the value to be sent to. */
  brokers: string[];
}
export type StoredSecrets = ReadonlyMap<string, StoredSecret>;

/**
 * The one policy for where secrets may go: a stored secret is released to a connection only when
 * the connection's broker is one it is bound to. A dataset whose host, port or transport an editor
 * changed therefore reaches its new broker without the workspace's secrets, whatever its password
 * template asks for. Names bound elsewhere are "withheld", so a template naming one fails with a
 * message saying who can allow it, instead of silently sending nothing.
 */
export function secretsReleasedTo(stored: StoredSecrets, broker: BrokerEndpoint): { values: Map<string, string>; withheld: Set<string> } {
  const values = new Map<string, string>();
  const withheld = new Set<string>();
  for (const [name, secret] of stored) {
    if (secret.brokers.some((b) => boundTo(b, broker))) values.set(name, secret.value);
    else withheld.add(name);
  }
  return { values, withheld };
}

function boundTo(binding: string, broker: BrokerEndpoint): boolean {
  try {
    return sameEndpoint(brokerEndpoint(binding), broker);
  } catch {
    return false;
  }
}

/**
 * How `${{ env.NAME }}` resolves for a connection to `broker`: released stored secrets first; a
 * stored secret bound elsewhere is refused (SECRET_NOT_ALLOWED); anything else goes to `fallback`
 * (the operator-allowed environment of `sluice pull`, or nothing).
 */
export function secretLookup(released: ReturnType<typeof secretsReleasedTo>, broker: BrokerEndpoint, fallback: TemplateLookup = () => undefined): TemplateLookup {
  return (name) => {
    const value = released.values.get(name);
    if (value !== undefined) return value;
    if (released.withheld.has(name)) {
      throw new SluiceError(
        'SECRET_NOT_ALLOWED',
        `the secret ${name} is not allowed for the broker ${formatEndpoint(broker)}: it is bound to other brokers. A maintainer binds a stored secret to this one on its Secrets page if it belongs there`,
      );
    }
    return fallback(name);
  };
}

/**
 * Everything a connection to `brokerUrl` may use from the stored secrets: the `${{ env.NAME }}`
 * lookup (see secretLookup) and the TLS material (MQTT_TLS_CA, MQTT_TLS_CERT, MQTT_TLS_KEY), each
 * only if released to that broker. Pulls and the preview relay both get their secrets here.
 */
export function secretsForConnection(stored: StoredSecrets, brokerUrl: string, fallback?: TemplateLookup): { lookup: TemplateLookup; tls: BrokerTlsOptions } {
  const broker = brokerEndpoint(brokerUrl);
  const released = secretsReleasedTo(stored, broker);
  return { lookup: secretLookup(released, broker, fallback), tls: brokerTlsFromSecrets(released.values) };
}

/** Parses broker bindings typed by a maintainer (URLs separated by commas, spaces or lines) into stored form. */
export function parseBrokerBindings(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean).map((u) => formatEndpoint(brokerEndpoint(u))))];
}
