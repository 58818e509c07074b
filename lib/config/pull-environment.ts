import { DEFAULT_WORKSPACE, DEFAULT_WORKSPACE_ID, isDatasetName, type DatasetKey, type DatasetName } from '../datasets/dataset-key';
import { SluiceError } from '../errors';
import type { TemplateLookup } from '../odf';
import { parseBrokerBindings, type StoredSecret, type StoredSecrets } from '../secrets/secret-release';

/** Sluice's own settings: they open the database and every stored secret, so no manifest gets them. */
function isOwnSetting(name: string): boolean {
  return name === 'DATABASE_URL' || name.startsWith('SLUICE_');
}

/** The datasets a binding is for: one dataset of a workspace, or (`dataset` undefined) all of them. */
export interface EnvScope {
  workspace: string;
  dataset?: DatasetName;
}

/**
 * An environment variable the operator lets `sluice pull` use: the brokers its value may go to
 * and the datasets it is for. No scopes: only datasets named on the command line get it.
 */
export interface EnvBinding {
  name: string;
  /** Broker endpoints in stored form (see parseBrokerBindings). */
  brokers: string[];
  scopes: EnvScope[];
}

/**
 * Parses `--env NAME=BROKER_URL[@workspace/dataset…]` flags and SLUICE_PULL_ENV (the same
 * entries, comma-separated). A variable is allowed for named brokers only — like a stored secret —
 * so a dataset an editor re-points never receives it; `@workspace/dataset` (repeatable,
 * `@workspace/*` for a workspace; `@default/…` for the default one) names the datasets it is
 * for, since any editor can create a dataset on the same broker that asks for it. The same name
 * may be given again for another broker or other datasets. Sluice's own settings are refused.
 */
export function parseEnvBindings(fromFlags: string[], fromSetting: string | undefined): EnvBinding[] {
  return [...fromFlags, ...(fromSetting ?? '').split(/[\s,]+/)].filter(Boolean).map((entry) => {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new SluiceError('INVALID_INPUT', `"${name}" is not an environment variable name`);
    if (isOwnSetting(name)) throw new SluiceError('INVALID_INPUT', `${name} is one of Sluice's own settings; it is never given to a manifest`);
    if (eq < 0) throw new SluiceError('INVALID_INPUT', `--env ${name}: say which broker its value is for, e.g. --env ${name}=mqtts://broker.example.com:8883@workspace/dataset`);
    // A binding names an endpoint (scheme://host:port), never a user, so every `@` starts a scope.
    const [url, ...scopes] = entry.slice(eq + 1).split('@');
    return { name, brokers: parseBrokerBindings(url), scopes: scopes.map((s) => parseScope(name, s)) };
  });
}

/**
 * A scope always names its workspace: `mqtts://alice@broker.example.com` (a user name, which a
 * binding never carries) would otherwise read as broker `mqtts://alice` for the default
 * workspace's dataset `broker.example.com`, which any editor could create.
 */
function parseScope(name: string, text: string): EnvScope {
  const slash = text.indexOf('/');
  const workspace = text.slice(0, Math.max(slash, 0));
  const dataset = text.slice(slash + 1);
  if (slash < 0 || !workspace || workspace.includes('/') || (dataset !== '*' && !isDatasetName(dataset))) {
    throw new SluiceError('INVALID_INPUT', `--env ${name}: "@${text}" does not name datasets; write @workspace/dataset or @workspace/* (a broker URL here carries no user name)`);
  }
  return dataset === '*' ? { workspace } : { workspace, dataset };
}

/** What `${{ env.NAME }}` may read from the operator's environment when pulling `dataset`. */
export type PullEnvironment = (dataset: DatasetKey, namedOnCommandLine?: boolean) => { secrets: StoredSecrets; fallback: TemplateLookup };

/**
 * What `${{ env.NAME }}` may read from the environment of `sluice pull` (and of `sluice worker`),
 * after the stored secrets, per dataset: the variables whose bindings are for it, as secrets
 * bound to their brokers (released by the same rule as stored ones), and for any other name a
 * refusal that says how to allow it. A binding without scopes is given only to datasets named on
 * the command line (`namedOnCommandLine`): `--all`, schedules and always-on runs pull datasets
 * any editor may have created, so they get scoped bindings only. Kamu users run
 * `MQTT_PASSWORD=… kamu pull`; with Sluice they add `--env MQTT_PASSWORD=<broker URL>`, because a
 * manifest an editor wrote is not trusted with the operator's environment.
 */
export async function operatorEnvironment(
  source: Readonly<Record<string, string | undefined>>,
  bindings: readonly EnvBinding[],
  workspaces: { bySlug(slug: string): Promise<{ id: string } | undefined> },
): Promise<PullEnvironment> {
  const workspaceIds = new Map<string, string>();
  for (const slug of new Set(bindings.flatMap((b) => b.scopes.map((s) => s.workspace)))) {
    const w = await workspaces.bySlug(slug);
    if (!w) throw new SluiceError('WORKSPACE_NOT_FOUND', `an --env binding names workspace "${slug}", which does not exist`);
    workspaceIds.set(slug, w.id);
  }
  const covers = (b: EnvBinding, dataset: DatasetKey, named: boolean) =>
    b.scopes.length === 0 ? named : b.scopes.some((s) => workspaceIds.get(s.workspace) === dataset.workspaceId && (s.dataset === undefined || s.dataset === dataset.name));

  return (dataset, named = false) => {
    const secrets = new Map<string, StoredSecret>();
    for (const b of bindings) {
      const value = source[b.name];
      if (value === undefined || !covers(b, dataset, named)) continue;
      secrets.set(b.name, { value, brokers: [...new Set([...(secrets.get(b.name)?.brokers ?? []), ...b.brokers])] });
    }
    const scope = `${dataset.workspaceId === DEFAULT_WORKSPACE_ID ? DEFAULT_WORKSPACE : '<workspace>'}/${dataset.name}`;
    const scopeHint = (name: string) => `--env ${name}=<broker URL>@${scope} (or SLUICE_PULL_ENV=${name}=<broker URL>@${scope})`;
    const fallback: TemplateLookup = (name) => {
      const bound = bindings.filter((b) => b.name === name);
      if (bound.some((b) => covers(b, dataset, named))) return undefined; // allowed, but not set
      if (isOwnSetting(name)) throw new SluiceError('ENV_NOT_ALLOWED', `\${{ env.${name} }}: ${name} is one of Sluice's own settings and is never given to a manifest`);
      if (bound.length) {
        throw new SluiceError(
          'ENV_NOT_ALLOWED',
          bound.some((b) => b.scopes.length === 0)
            ? `\${{ env.${name} }}: ${name} is allowed without naming datasets, so only datasets named on the command line get it (not --all, schedules or always-on pulls, where any editor's dataset could ask for it); name this dataset in its binding: ${scopeHint(name)}`
            : `\${{ env.${name} }}: ${name} is allowed for other datasets only; add this one to its binding: ${scopeHint(name)}`,
        );
      }
      throw new SluiceError(
        'ENV_NOT_ALLOWED',
        `\${{ env.${name} }} is not a stored secret, and \`sluice pull\` gives a manifest only the environment variables you allow for its broker and datasets: run it with ${scopeHint(name)}`,
      );
    };
    return { secrets, fallback };
  };
}

/**
 * What the worker (`sluice worker`, and `sluice serve`'s) gives schedules and always-on runs:
 * SLUICE_PULL_ENV's bindings, of which only scoped ones ever apply (it names no dataset on a
 * command line), so an unscoped one is reported at start rather than failing pulls unexplained.
 */
export async function workerEnvironment(
  source: Readonly<Record<string, string | undefined>>,
  setting: string | undefined,
  workspaces: { bySlug(slug: string): Promise<{ id: string } | undefined> },
  log: (line: string) => void,
): Promise<PullEnvironment | undefined> {
  const bindings = parseEnvBindings([], setting);
  for (const b of bindings.filter((b) => b.scopes.length === 0)) {
    log(`SLUICE_PULL_ENV: ${b.name} names no datasets, so scheduled and always-on pulls never get it; add @workspace/dataset or @workspace/* to its entry`);
  }
  return bindings.length ? operatorEnvironment(source, bindings, workspaces) : undefined;
}
