import { expect, test, uniqueName } from './fixtures';
import { captureAction, replayAs } from './server-actions';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { freePort } from '../support/free-port';

/**
 * An always-on dataset as a maintainer makes one in the console: the worker of `sluice serve`
 * streams it, the dataset's header says Live, and what a device publishes reaches the Data tab
 * with nobody pressing Pull; turned off, the stream stops and the header says nothing. The switch
 * is the maintainer's: the same action replayed as an editor or a reader is refused and changes
 * nothing.
 */

test.describe('[ALWAYS ON]', () => {
  test('a maintainer makes a dataset always on: it shows Live and a published reading reaches the Data tab without a pull; off, it stops', async ({ page, sluice }) => {
    test.setTimeout(120_000);
    const name = uniqueName('live');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    const key = defaultWorkspaceKey(name);

    await page.goto(`/w/default/datasets/${name}/settings`);
    await expect(page.getByTestId('live-status')).toHaveCount(0);
    const turnOn = await captureAction(page, () => page.getByRole('button', { name: 'Make always on' }).click());
    await expect(page.getByRole('button', { name: 'Turn always on off' })).toBeVisible();
    expect((await sluice.store.datasets.find(key))!.alwaysOn).toBe(true);

    // The worker looks for always-on datasets every 2 s and the header refreshes every 2 s. Live
    // means subscribed: what a device publishes from then on reaches the dataset (this new
    // dataset had no broker session before, so a message published earlier would not).
    const status = page.getByTestId('live-status');
    await expect(status).toContainText('Live', { timeout: 30_000 });

    await sluice.publish(`${name}/a`, JSON.stringify({ event_time: '2026-12-06T09:00:00Z', device: 'a', value: 41 }));
    await page.getByRole('link', { name: 'Data', exact: true }).click();
    // Reloading before the tab's navigation landed reloaded the settings page instead (a loaded CI run).
    await page.waitForURL((url) => url.pathname.endsWith(`/datasets/${name}/data`));
    const table = page.getByTestId('data-table');
    // No Pull button is pressed: the row is there once the stream committed it (within about a second).
    await expect(async () => {
      await page.reload();
      await expect(table).toContainText('2026-12-06T09:00:00.000Z', { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await expect(status).toContainText(/last commit [\d.]+ s ago/);

    // Editors and readers may not stop (or start) it: the maintainer's own request, replayed as them.
    const turnOff = { ...turnOn, body: turnOn.body.replace('"on":true', '"on":false') };
    expect(turnOff.body).toContain('"on":false');
    for (const role of ['editor', 'reader'] as const) {
      expect(await replayAs(role, turnOff)).toContain('"code":"FORBIDDEN"');
      expect((await sluice.store.datasets.find(key))!.alwaysOn).toBe(true);
    }

    await page.goto(`/w/default/datasets/${name}/settings`);
    await page.getByRole('button', { name: 'Turn always on off' }).click();
    await expect(page.getByRole('button', { name: 'Make always on' })).toBeVisible();
    expect((await sluice.store.datasets.find(key))!.alwaysOn).toBe(false);
    // The worker stops the run within a round: the header no longer says Live.
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId('live-status')).toHaveCount(0, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  });

  test('an always-on dataset whose broker is down says why on its page while the worker keeps trying', async ({ page, sluice }) => {
    test.setTimeout(120_000);
    const name = uniqueName('down');
    const port = await freePort(); // nothing listens there
    await sluice.addDataset({ name, port, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    await page.goto(`/w/default/datasets/${name}/settings`);
    await page.getByRole('button', { name: 'Make always on' }).click();
    // It said "Connecting to the broker", and nothing more, for as long as the broker stayed down.
    const status = page.getByTestId('live-status');
    await expect(status).toContainText('Connecting to the broker', { timeout: 30_000 });
    const reason = `BROKER_UNREACHABLE: cannot reach the broker at mqtt://127.0.0.1:${port}: no MQTT broker answered`;
    await expect(page.getByTestId('live-waiting-on')).toHaveText(reason.replace('BROKER_UNREACHABLE: ', ''), { timeout: 30_000 });
    // The Pulls tab says it of the running pull, and keeps it, as no failure, once the run is stopped.
    await page.goto(`/w/default/datasets/${name}/pulls`);
    await expect(page.getByTestId('pull-error').first()).toHaveText(`reconnecting: ${reason}`);
    await page.goto(`/w/default/datasets/${name}/settings`);
    await page.getByRole('button', { name: 'Turn always on off' }).click();
    await expect(page.getByRole('button', { name: 'Make always on' })).toBeVisible();
    await expect(async () => {
      await page.goto(`/w/default/datasets/${name}/pulls`);
      await expect(page.getByTestId('pull-error').first()).toHaveText(`stopped while reconnecting: ${reason}`, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  });
});
