import { defaultWorkspaceKey, DEFAULT_WORKSPACE_ID } from '../../lib/datasets/dataset-key';
import { expect, test, uniqueName } from './fixtures';
import { actionResult, callAction } from './server-actions';

const SETTINGS = 'app/w/[workspace]/settings/actions.ts';

/**
 * A secret goes only where a maintainer bound it, and a binding is only what a maintainer
 * submitted: never the dataset's broker filled in by the server, since an editor may have pointed
 * the dataset at a host of theirs. (The form suggests that broker in its field, where it is seen.)
 */
test.describe('[SECRETS] bindings are what a maintainer submitted', () => {
  test("replacing an unbound secret's value keeps it unbound, and a new secret without brokers is refused, whatever broker the dataset names", async ({ sluice }) => {
    const name = uniqueName('rebound');
    // The dataset as an editor left it: pointed at a host of theirs (here: a port of this machine).
    await sluice.addDataset({ name, port: 1, topics: [{ path: `${name}/#` }], username: 'device', password: '${{ env.MQTT_PASSWORD }}' });
    const d = (await sluice.store.datasets.find(defaultWorkspaceKey(name)))!;
    // A secret stored bound to no broker (as secrets from before bindings were upgraded): never sent.
    await sluice.store.secrets.set({ workspaceId: DEFAULT_WORKSPACE_ID, datasetId: d.id, name: 'MQTT_PASSWORD', value: 'old', brokers: [] });
    const bindings = async () => (await sluice.store.secrets.list(DEFAULT_WORKSPACE_ID, d.id)).filter((s) => s.scope === 'dataset').map((s) => [s.name, s.brokers]);

    // The maintainer replaces its value (the Replace form sends the bindings it has: none).
    const replaced = await callAction('maintainer', `/w/default/datasets/${name}/settings`, SETTINGS, 'setSecret', { workspace: 'default', dataset: name, name: 'MQTT_PASSWORD', value: 'maintainers-secret', brokers: '' });
    expect(actionResult(replaced)).toMatchObject({ ok: true });
    expect(await bindings()).toEqual([['MQTT_PASSWORD', []]]);

    // A new dataset secret with no brokers named is refused rather than bound to the editor's host.
    const fresh = await callAction('maintainer', `/w/default/datasets/${name}/settings`, SETTINGS, 'setSecret', { workspace: 'default', dataset: name, name: 'API_TOKEN', value: 'token', brokers: '' });
    expect(actionResult(fresh)).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    const rebind = await callAction('maintainer', `/w/default/datasets/${name}/settings`, SETTINGS, 'bindSecret', { workspace: 'default', dataset: name, name: 'MQTT_PASSWORD', brokers: '' });
    expect(actionResult(rebind)).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await bindings()).toEqual([['MQTT_PASSWORD', []]]);

    // Named explicitly, it is bound (the maintainer chose it).
    const named = await callAction('maintainer', `/w/default/datasets/${name}/settings`, SETTINGS, 'bindSecret', { workspace: 'default', dataset: name, name: 'MQTT_PASSWORD', brokers: 'mqtt://127.0.0.1:1' });
    expect(actionResult(named)).toMatchObject({ ok: true });
    expect(await bindings()).toEqual([['MQTT_PASSWORD', ['mqtt://127.0.0.1:1']]]);
  });
});
