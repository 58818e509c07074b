import { SluiceError } from '../errors';
import type { TemplateLookup } from '../odf';

/** Sluice's own settings: they open the database and every stored secret, so no manifest gets them. */
function isOwnSetting(name: string): boolean {
  return name === 'DATABASE_URL' || name.startsWith('SLUICE_');
}

/** The names `--env` and SLUICE_PULL_ENV allow, checked; Sluice's own settings are refused. */
export function allowedEnvNames(fromFlags: string[], fromSetting: string | undefined): string[] {
  const names = [...fromFlags, ...(fromSetting ?? '').split(/[\s,]+/)].filter(Boolean);
  for (const name of names) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new SluiceError('INVALID_INPUT', `"${name}" is not an environment variable name`);
    if (isOwnSetting(name)) throw new SluiceError('INVALID_INPUT', `${name} is one of Sluice's own settings; it is never given to a manifest`);
  }
  return [...new Set(names)];
}

/**
 * What `${{ env.NAME }}` may read from the environment of `sluice pull` (after the stored secrets):
 * only names the operator allowed. Kamu users run `MQTT_PASSWORD=… kamu pull`; with Sluice they add
 * `--env MQTT_PASSWORD` (or SLUICE_PULL_ENV=MQTT_PASSWORD), because a manifest an editor wrote is
 * not trusted with the rest of an operator's environment (DATABASE_URL, SLUICE_SECRET_KEY, tokens).
 */
export function operatorEnvironment(source: NodeJS.ProcessEnv, allowed: readonly string[]): TemplateLookup {
  const allow = new Set(allowed);
  return (name) => {
    if (allow.has(name)) return source[name];
    if (isOwnSetting(name)) throw new SluiceError('ENV_NOT_ALLOWED', `\${{ env.${name} }}: ${name} is one of Sluice's own settings and is never given to a manifest`);
    throw new SluiceError(
      'ENV_NOT_ALLOWED',
      `\${{ env.${name} }} is not a stored secret, and \`sluice pull\` gives a manifest only the environment variables you allow: run it with --env ${name} (or set SLUICE_PULL_ENV=${name})`,
    );
  };
}
