import { freePort } from '../support/free-port';
import { expect, signedInAs, test, uniqueName } from './fixtures';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';

const XSS = '<img src=x onerror=alert(1)>';

test.describe('[PREVIEW]', () => {
  test('a published message appears with its parsed row; a malformed one with the reason it would be quarantined', async ({ page, sluice }) => {
    const name = uniqueName('preview');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    await page.goto(`/w/default/datasets/${name}/preview`);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-status', 'connected');

    await sluice.publish(`${name}/dev1`, JSON.stringify({ event_time: '2026-11-25T10:00:00Z', device: 'dev1', value: 21.5 }));
    await sluice.publish(`${name}/dev2`, '{"event_time": "yesterday", "device": "dev2", "value": 1}');
    await expect(page.getByTestId('message-row')).toHaveCount(2);

    await page.getByTestId('message-row').filter({ hasText: `${name}/dev1` }).click();
    const parsed = page.getByTestId('parsed-rows');
    await expect(parsed).toContainText('2026-11-25T10:00:00.000Z');
    await expect(parsed).toContainText('dev1');
    await expect(parsed).toContainText('21.5');

    await page.getByTestId('message-row').filter({ hasText: `${name}/dev2` }).click();
    await expect(page.getByTestId('check-reason')).toContainText('Would be quarantined');
    await expect(page.getByTestId('check-reason')).toContainText('event_time');
  });

  test('the publish form starts on a topic the dataset matches, says why Publish is off, and QoS 0 subscriptions are explained', async ({ page, sluice }) => {
    const name = uniqueName('pubform');
    await sluice.addDataset({ name, topics: [{ path: `${name}/+/temperature`, qos: 'AtMostOnce' }], fields: null, merge: '        kind: Append' });
    await page.goto(`/w/default/datasets/${name}/preview`);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-status', 'connected');
    await expect(page.getByLabel('Publish topic')).toHaveValue(`${name}/test/temperature`);
    await expect(page.getByTestId('qos0-notice')).toContainText('subscribed at QoS 0 (AtMostOnce)');

    const payload = page.locator('form').filter({ has: page.getByLabel('Publish topic') }).getByTestId('json-editor').locator('.cm-content');
    await payload.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText('not json at all');
    await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
    await expect(page.getByTestId('publish-problem')).toContainText('the payload is not JSON');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText('{"t": 21.5}');
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.getByTestId('message-row')).toHaveCount(1);
    await expect(page.getByTestId('message-row')).toContainText(`${name}/test/temperature`);

    // The pull was not connected when it was published: QoS 0 kept nothing, and the result says why.
    await page.goto(`/w/default/datasets/${name}`);
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('Up to date');
    await expect(page.getByTestId('pull-qos0-hint')).toContainText('not kept by the broker');
  });

  test('a payload and a topic holding HTML render as text, never as markup', async ({ page, sluice }) => {
    const name = uniqueName('xss');
    let alerted = false;
    page.on('dialog', async (d) => {
      alerted = true;
      await d.dismiss();
    });
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    await page.goto(`/w/default/datasets/${name}/preview`);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-status', 'connected');
    await sluice.publish(`${name}/${XSS}`, XSS);
    await page.getByTestId('message-row').first().click();
    await expect(page.getByTestId('payload')).toHaveText(XSS);
    await expect(page.getByTestId('message-detail')).toContainText(`${name}/${XSS}`);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(alerted).toBe(false);
  });
});

test.describe('[PULL]', () => {
  test('Pull now commits the rows, appends an AddData block and quarantines the bad payload', async ({ page, sluice }) => {
    const name = uniqueName('pull');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    // The first pull creates the dataset's persistent session; what is published after it waits there.
    await page.goto(`/w/default/datasets/${name}`);
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('Up to date');

    await sluice.publish(`${name}/a`, JSON.stringify({ event_time: '2026-11-25T10:00:00Z', device: 'a', value: 1 }));
    await sluice.publish(`${name}/a`, JSON.stringify({ event_time: '2026-11-25T10:01:00Z', device: 'a', value: 2 }));
    await sluice.publish(`${name}/a`, 'not json at all');
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('Updated · 3 messages · 2 rows · 1 quarantined');

    await page.getByRole('link', { name: 'Data', exact: true }).click();
    const table = page.getByTestId('data-table');
    await expect(table.locator('tbody tr')).toHaveCount(2);
    await expect(table).toContainText('+A');
    await expect(table).toContainText('2026-11-25T10:01:00.000Z');

    await page.getByRole('link', { name: 'History', exact: true }).click();
    await expect(page.getByTestId('history').locator('li').first()).toContainText('AddData');
    await expect(page.getByTestId('history').locator('li').first()).toContainText('offsets 0..1');

    await page.getByRole('link', { name: /Quarantine/ }).click();
    const item = page.getByTestId('quarantine-item');
    await expect(item).toHaveCount(1);
    await expect(item).toContainText('not json at all');
    await expect(item.getByTestId('quarantine-reason')).toContainText(/JSON/i);
    await item.getByRole('button', { name: /Discard/ }).click();
    await expect(page.getByTestId('quarantine-item')).toHaveCount(0);
  });

  test('a pull against an unreachable broker shows the specific error', async ({ page, sluice }) => {
    const name = uniqueName('down');
    await sluice.addDataset({ name, port: await freePort(), topics: [{ path: 'x/#' }] });
    await page.goto(`/w/default/datasets/${name}`);
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('BROKER_UNREACHABLE');
    await page.getByRole('link', { name: 'Pulls', exact: true }).click();
    await expect(page.getByTestId('pulls-table')).toContainText('Failed');
  });
});

test.describe('[PREVIEW] next pull', () => {
  test('shows which buffered rows Ledger already knows, and publishes a test message from the page', async ({ page, sluice }) => {
    const name = uniqueName('known');
    const reading = (minute: number) => JSON.stringify({ event_time: `2026-11-25T10:0${minute}:00Z`, device: 'a', value: minute });
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    await page.goto(`/w/default/datasets/${name}`);
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('Up to date');
    await sluice.publish(`${name}/a`, reading(1));
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('1 message · 1 row · 0 quarantined');

    await page.getByRole('link', { name: 'Live preview' }).click();
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-status', 'connected');
    await sluice.publish(`${name}/a`, reading(1)); // committed already
    // The second reading comes from the page's own publish form.
    await page.getByLabel('Publish topic').fill(`${name}/a`);
    const payload = page.getByTestId('json-editor').locator('.cm-content');
    await payload.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(reading(2));
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect(page.getByText(`published to ${name}/a`)).toBeVisible();
    await expect(page.getByTestId('message-row')).toHaveCount(2);

    await page.getByRole('button', { name: /Compute/ }).click();
    await expect(page.getByTestId('next-pull-summary')).toHaveText('1 row would be committed from 2 read · 0 quarantined · 1 already known');
    await expect(page.getByTestId('next-pull-rows')).toContainText('2026-11-25T10:02:00.000Z');
    await expect(page.getByTestId('next-pull-known')).toContainText('2026-11-25T10:01:00.000Z');
  });
});

test.describe('[PULL] concurrency', () => {
  test('two people pressing Pull at once get one pull; the second follows it', async ({ browser, sluice }) => {
    const name = uniqueName('twice');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    const as = (role: 'editor' | 'maintainer') => browser.newPage({ storageState: signedInAs(role), baseURL: process.env.SLUICE_E2E_BASE_URL });
    const [alice, bob] = await Promise.all([as('editor'), as('maintainer')]);
    await Promise.all([alice.goto(`/w/default/datasets/${name}`), bob.goto(`/w/default/datasets/${name}`)]);
    // A device keeps the pull busy until both presses have been answered, however slowly this
    // machine serves them: the second press must meet a running pull, not a finished one.
    let feeding = true;
    let published = 0;
    const feeder = (async () => {
      for (let i = 0; feeding; i++) {
        await sluice.publish(`${name}/d`, JSON.stringify({ event_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), device: 'd', value: i }));
        published++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all([alice.getByRole('button', { name: 'Pull now' }).click(), bob.getByRole('button', { name: 'Pull now' }).click()]);
    for (const p of [alice, bob]) await expect(p.getByTestId('pull-status')).toContainText(/Pulling|already running/);
    // The dataset has no broker session before this pull: only what is published once it is
    // subscribed ("receiving") is its to take, so the device goes on a few messages past that.
    const statuses = () => Promise.all([alice, bob].map((p) => p.getByTestId('pull-status').textContent()));
    await expect.poll(async () => (await statuses()).some((t) => t?.includes('receiving')), { timeout: 40_000 }).toBe(true);
    const subscribedAt = published;
    await expect.poll(() => published, { timeout: 40_000 }).toBeGreaterThanOrEqual(subscribedAt + 3);
    feeding = false;
    await feeder;
    for (const p of [alice, bob]) await expect(p.getByTestId('pull-status')).toContainText('Updated', { timeout: 40_000 });
    const notices = await statuses();
    expect(notices.filter((t) => t?.includes('already running'))).toHaveLength(1);
    const d = (await sluice.store.datasets.find(defaultWorkspaceKey(name)))!;
    expect(await sluice.store.datasets.pulls(d.id)).toHaveLength(1);
    await Promise.all([alice.close(), bob.close()]);
  });
});
