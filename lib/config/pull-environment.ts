import { SluiceError } from '../errors';
import type { TemplateLookup } from '../odf';
import { parseBrokerBindings, type StoredSecret, type StoredSecrets } from '../secrets/secret-release';

/** Sluice's own settings: they open the database and every stored secret, so no manifest gets them. */
function isOwnSetting(name: string): boolean {
  return name === 'DATABASE_URL' || name.startsWith('SLUICE_');
}

/** An environment variable the operator lets `sluice pull` use, and the brokers its value may go to. */
export interface AllowedEnvVar {
  name: string;
  /** Broker endpoints in stored form (see parseBrokerBindings). */
  brokers: string[];
}

/**
 * Parses `--env NAME=BROKER_URL` flags and SLUICE_PULL_ENV (the same entries, comma-separated).
 * A variable is allowed for named brokers only — like a stored secret — so a dataset an editor
 * re-points never receives it; the same name may be given again for another broker. Sluice's own
 * settings are refused.
 */
export function allowedEnvVars(fromFlags: string[], fromSetting: string | undefined): AllowedEnvVar[] {
  const byName = new Map<string, string[]>();
  for (const entry of [...fromFlags, ...(fromSetting ?? '').split(/[\s,]+/)].filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new SluiceError('INVALID_INPUT', `"${name}" is not an environment variable name`);
    if (isOwnSetting(name)) throw new SluiceError('INVALID_INPUT', `${name} is one of Sluice's own settings; it is never given to a manifest`);
    if (eq < 0) throw new SluiceError('INVALID_INPUT', `--env ${name}: say which broker its value is for, e.g. --env ${name}=mqtts://broker.example.com:8883`);
    byName.set(name, [...(byName.get(name) ?? []), ...parseBrokerBindings(entry.slice(eq + 1))]);
  }
  return [...byName].map(([name, brokers]) => ({ name, brokers: [...new Set(brokers)] }));
}

/**
 * What `${{ env.NAME }}` may read from the environment of `sluice pull`, after the stored secrets:
 * the allowed variables as secrets bound to their brokers (released by the same rule as stored
 * ones), and for any other name a refusal that says how to allow it. Kamu users run
 * `MQTT_PASSWORD=… kamu pull`; with Sluice they add `--env MQTT_PASSWORD=<broker URL>`, because a
 * manifest an editor wrote is not trusted with the operator's environment.
 */
export function operatorEnvironment(source: NodeJS.ProcessEnv, allowed: readonly AllowedEnvVar[]): { secrets: StoredSecrets; fallback: TemplateLookup } {
  const secrets = new Map<string, StoredSecret>();
  for (const v of allowed) {
    const value = source[v.name];
    if (value !== undefined) secrets.set(v.name, { value, brokers: v.brokers });
  }
  const fallback: TemplateLookup = (name) => {
    if (allowed.some((v) => v.name === name)) return undefined; // allowed, but not set
    if (isOwnSetting(name)) throw new SluiceError('ENV_NOT_ALLOWED', `\${{ env.${name} }}: ${name} is one of Sluice's own settings and is never given to a manifest`);
    throw new SluiceError(
      'ENV_NOT_ALLOWED',
      `\${{ env.${name} }} is not a stored secret, and \`sluice pull\` gives a manifest only the environment variables you allow for its broker: run it with --env ${name}=<broker URL> (or set SLUICE_PULL_ENV=${name}=<broker URL>)`,
    );
  };
  return { secrets, fallback };
}
