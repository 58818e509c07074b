import { describe, expect, it } from 'vitest';
import { parseEnvBindings, workerEnvironment } from '../../../lib/config/pull-environment';
import { datasetKey } from '../../../lib/datasets/dataset-key';

const workspaces = { bySlug: async (slug: string) => ({ default: { id: 'default' }, ops: { id: 'ops-id' }, other: { id: 'other-id' } })[slug] };
const BROKER = 'mqtt://broker.example.com:1883';
const source = { OPS_PW: 'ops-secret', ALL_PW: 'all-secret' };

describe("the worker's environment (schedules, always-on): SLUICE_PULL_ENV's scoped bindings only", () => {
  it('gives a scoped variable to its datasets (one, or a workspace), never an unscoped one, and says so at start', async () => {
    const log: string[] = [];
    const env = (await workerEnvironment(source, `OPS_PW=${BROKER}@ops/meter,ALL_PW=${BROKER}@other/*,LOOSE=${BROKER}`, workspaces, (l) => log.push(l)))!;
    expect(log).toEqual([expect.stringContaining('SLUICE_PULL_ENV: LOOSE names no datasets')]);
    expect([...env(datasetKey('ops-id', 'meter')).secrets.keys()]).toEqual(['OPS_PW']);
    expect([...env(datasetKey('other-id', 'anything')).secrets.keys()]).toEqual(['ALL_PW']);
    expect(env(datasetKey('other-id', 'meter')).secrets.get('ALL_PW')).toEqual({ value: 'all-secret', brokers: [BROKER] });
    expect(() => env(datasetKey('other-id', 'meter')).fallback('OPS_PW')).toThrow(/allowed for other datasets only; add this one to its binding: --env OPS_PW=<broker URL>@<workspace>\/meter/);
    expect(() => env(datasetKey('ops-id', 'meter')).fallback('LOOSE')).toThrow(/only datasets named on the command line get it/);
  });

  it('refuses scopes that name no datasets, and workspaces that do not exist', async () => {
    expect(() => parseEnvBindings([`X=${BROKER}@a/b/c`], undefined)).toThrow(/does not name datasets/);
    expect(() => parseEnvBindings([`X=${BROKER}@ops/`], undefined)).toThrow(/does not name datasets/);
    // A user name in the broker URL would otherwise read as a scope (the default workspace's dataset "broker.example.com").
    expect(() => parseEnvBindings(['X=mqtts://alice@broker.example.com'], undefined)).toThrow(/does not name datasets; write @workspace\/dataset or @workspace\/\* \(a broker URL here carries no user name\)/);
    await expect(workerEnvironment(source, `X=${BROKER}@nowhere/*`, workspaces, () => {})).rejects.toMatchObject({ code: 'WORKSPACE_NOT_FOUND' });
    expect(await workerEnvironment(source, undefined, workspaces, () => {})).toBeUndefined();
  });
});
