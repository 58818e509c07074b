import { sourceBrokerUrl } from '../ingest/mqtt-source-config';
import { templateVariables, type DatasetSnapshot } from '../odf';
import { parseBrokerBindings } from '../secrets/secret-release';

/** The dataset secret a broker password written in clear in a manifest is moved to. */
export const PASSWORD_SECRET = 'MQTT_PASSWORD';
const TEMPLATE = `\${{ env.${PASSWORD_SECRET} }}`;

/**
 * A broker password written in clear in a manifest leaves it: the value becomes the dataset secret
 * MQTT_PASSWORD and every MQTT fetch step refers to it with a template. So the stored manifest,
 * the chain's events, exports and every page keep only `${{ env.MQTT_PASSWORD }}` (Kamu shows its
 * stored password template to readers; Sluice never stores a password in a manifest).
 */
export function movePasswordToSecret(snapshot: DatasetSnapshot): { snapshot: DatasetSnapshot; password?: string } {
  let password: string | undefined;
  const metadata = snapshot.metadata.map((e) => {
    if (e.kind !== 'SetPollingSource' || e.fetch.kind !== 'Mqtt' || e.fetch.password === undefined) return e;
    if (templateVariables(e.fetch.password).length > 0) return e;
    password = e.fetch.password; // the last source's is the one pulls use
    return { ...e, fetch: { ...e.fetch, password: TEMPLATE } };
  });
  return password === undefined ? { snapshot } : { snapshot: { ...snapshot, metadata }, password };
}

/**
 * The broker a password moved out of a manifest is bound to: the manifest's own. Whoever wrote the
 * password in clear chose where it goes; nobody else's secret is involved.
 */
export function passwordSecretBrokers(snapshot: DatasetSnapshot): string[] {
  return parseBrokerBindings(sourceBrokerUrl(snapshot) ?? '');
}
