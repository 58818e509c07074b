import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, signedInAs, test, uniqueName } from './fixtures';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';

const KAMU_TEMP = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/manifests/kamu-temp.yaml'), 'utf8');

/** Replaces the YAML editor's whole text, as a person pasting a manifest would. */
async function pasteYaml(page: Page, text: string) {
  const editor = page.getByTestId('yaml-editor').locator('.cm-content');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
}

test.describe('[DATASETS]', () => {
  test('create a dataset with the step form; the YAML follows the form', async ({ page }) => {
    const name = uniqueName('form');
    await page.goto('/w/default/datasets/new');
    await page.getByLabel('Dataset name').fill(name);
    await page.getByLabel('Host', { exact: true }).fill('broker.example');
    await page.getByLabel('Topic 1', { exact: true }).fill(`${name}/+/reading`);
    await page.getByRole('tab', { name: '3. Merge' }).click();
    await page.getByLabel('Merge strategy').selectOption('Append');
    await expect(page.getByTestId('yaml-editor')).toContainText('kind: Append');
    await expect(page.getByTestId('yaml-editor')).toContainText('host: broker.example');
    await page.getByRole('button', { name: 'Create dataset' }).click();

    await expect(page).toHaveURL(new RegExp(`/datasets/${name.replace('.', '\\.')}$`));
    await expect(page.getByTestId('dataset-title')).toHaveText(name);
    await expect(page.getByText('Mqtt → NdJson → Append')).toBeVisible();
    await page.goto('/');
    await expect(page.getByTestId(`dataset-${name}`)).toContainText('mqtt://broker.example:1883');
  });

  test("import Kamu's MQTT example by file; the form shows its source", async ({ page }) => {
    const name = uniqueName('kamu');
    const file = path.join(os.tmpdir(), `${name}.yaml`);
    fs.writeFileSync(file, KAMU_TEMP.replace('name: temp', `name: ${name}`));
    await page.goto('/w/default/datasets/new');
    await page.getByLabel('Manifest file').setInputFiles(file);
    await expect(page.getByLabel('Dataset name')).toHaveValue(name);
    await expect(page.getByLabel('Topic 1', { exact: true })).toHaveValue('dev.kamu.example.mqtt.temp');
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await expect(page.getByTestId('dataset-title')).toHaveText(name);
    await expect(page.getByText('Mqtt → NdJson → Ledger')).toBeVisible();
  });

  test("pasted Kamu manifest: the Read step shows and edits its DDL columns; an edit in one step rewrites nothing else", async ({ page }) => {
    const name = uniqueName('ddl');
    await page.goto('/w/default/datasets/new');
    await pasteYaml(page, KAMU_TEMP.replace('name: temp', `name: ${name}`));
    await expect(page.getByLabel('Dataset name')).toHaveValue(name);
    const yaml = page.getByTestId('yaml-editor');

    // Fetch: a new port changes that line only; Kamu's DDL list stays under `schema:`.
    await page.getByLabel('Port').fill('1884');
    await expect(yaml).toContainText('port: 1884');
    await expect(yaml).toContainText(/schema:\s*- event_time TIMESTAMP\s*- value FLOAT/);
    await expect(yaml).not.toContainText('ddlSchema');

    // Read: the columns are shown (the schema is not "inferred"), and a new one is added as DDL.
    await page.getByRole('tab', { name: '2. Read' }).click();
    await expect(page.getByLabel('DDL column 1')).toHaveValue('event_time TIMESTAMP');
    await expect(page.getByTestId('ddl-column-2-type')).toHaveText('value: Option<Float32>');
    await expect(page.getByText(/inferred/)).toHaveCount(0);
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByLabel('DDL column 3').fill('device STRING');
    await expect(yaml).toContainText(/- value FLOAT\s*- device STRING/);
    await expect(page.getByTestId('manifest-issues')).toBeEmpty();
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await expect(page.getByTestId('dataset-title')).toHaveText(name);
    await expect(page.getByText('Mqtt → NdJson → Ledger')).toBeVisible();
  });

  test('a malformed manifest is refused with the line and column of each problem, and nothing is stored', async ({ page, sluice }) => {
    const name = uniqueName('bad');
    await page.goto('/w/default/datasets/new');
    await pasteYaml(page, KAMU_TEMP.replace('name: temp', `name: ${name}`).replace('kind: Ledger', 'kind: Ledgr'));
    await expect(page.getByTestId('manifest-issues')).toContainText('line 21');
    await expect(page.getByRole('button', { name: 'Create dataset' })).toBeDisabled();
    expect(await sluice.store.datasets.find(defaultWorkspaceKey(name))).toBeUndefined();
  });

  test('editing the source appends a new SetPollingSource block and keeps the history', async ({ page, sluice }) => {
    const name = uniqueName('edit');
    await sluice.addDataset({ name, topics: [{ path: `${name}/a`, qos: 'AtLeastOnce' }] });
    await page.goto(`/w/default/datasets/${name}/edit`);
    await page.getByRole('button', { name: 'Add topic' }).click();
    await page.getByLabel('Topic 2', { exact: true }).fill(`${name}/b`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('save-result')).toHaveText('Appended SetPollingSource to the metadata chain');

    await page.getByRole('link', { name: 'History', exact: true }).click();
    const blocks = page.getByTestId('history').locator('li');
    await expect(blocks).toHaveCount(3); // Seed, the first SetPollingSource, the edited one
    await expect(blocks.first()).toContainText('SetPollingSource');
    await blocks.first().locator('summary').click();
    await expect(blocks.first()).toContainText(`${name}/b`);
  });

  test('the Data tab charts its page, right-aligns numbers, and on a 390 px phone nav and tables fit or show that they scroll', async ({ page, sluice }) => {
    test.setTimeout(90_000);
    const name = uniqueName('datatab');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    await page.goto(`/w/default/datasets/${name}`);
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('Up to date');
    const readings = [['a', 17.79], ['b', 19.03], ['a', 18.5]] as const;
    for (const [i, [device, value]] of readings.entries()) {
      await sluice.publish(`${name}/${device}`, JSON.stringify({ event_time: `2026-11-25T10:0${i}:00Z`, device, value }));
    }
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('3 rows');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/w/default/datasets/${name}/data`);
    // The curves, one per device, with no typing.
    const chart = page.getByTestId('data-chart');
    await expect(chart).toContainText('value over event_time by device');
    await expect(chart.getByTestId('result-chart')).toHaveAttribute('data-series', JSON.stringify({ a: [17.79, null, 18.5], b: [null, 19.03, null] }));
    await expect(chart.locator('canvas')).toHaveCount(1);
    // The legend speaks ISO UTC, not the browser's "11/25/26 10:00am" (nor "Time: --").
    await chart.locator('.u-over').hover();
    await expect(chart.locator('.u-legend .u-series').first()).toContainText(/event_time\s*2026-11-25 10:0\d:00Z/);

    const table = page.getByTestId('data-table');
    const align = (cell: string) => table.locator(cell).evaluateAll((els) => els.map((e) => getComputedStyle(e).textAlign));
    expect(await align('tbody tr:first-child td:nth-child(6)')).toEqual(['right']);
    expect(await align('tbody tr:first-child td:nth-child(5)')).toEqual(['start']);

    // On the phone: the page itself does not scroll sideways; the table does, and says so.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const tableBox = page.getByTestId('scroll-area').filter({ has: table });
    await expect(tableBox).toHaveAttribute('data-more-right', 'true');
    await tableBox.evaluate((el) => el.scrollBy(10_000, 0));
    await expect(tableBox).toHaveAttribute('data-more-left', 'true');
    await expect(tableBox).toHaveAttribute('data-more-right', 'false');
    // The workspace's links sit in one row: the navigation takes two lines, not three.
    const nav = page.getByRole('navigation', { name: 'Workspace' });
    const tops = await nav.getByRole('link').evaluateAll((links) => links.map((l) => Math.round(l.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
  });
});

test.describe('[DATASETS] snapshot scope', () => {
  test.use({ storageState: signedInAs('editor') });

  test("an editor makes a Snapshot dataset take each topic's latest message; the manifest is untouched and the list says so", async ({ page, sluice }) => {
    const name = uniqueName('scope');
    await sluice.addDataset({ name, topics: [{ path: `${name}/+` }], merge: '        kind: Snapshot\n        primaryKey: [device]' });
    const before = (await sluice.store.datasets.find(defaultWorkspaceKey(name)))!;
    await page.goto(`/w/default/datasets/${name}/edit`);
    await expect(page.getByLabel('Snapshot scope')).toHaveValue('pull');
    await page.getByLabel('Snapshot scope').selectOption('topic');
    await page.getByRole('button', { name: 'Save scope' }).click();
    await expect(page.getByTestId('snapshot-scope-result')).toHaveText('Saved');
    const after = (await sluice.store.datasets.find(defaultWorkspaceKey(name)))!;
    expect(after.snapshotScope).toBe('topic');
    expect(after.snapshot).toEqual(before.snapshot);
    expect(after.headHash).toBe(before.headHash);
    await page.goto('/w/default');
    await expect(page.getByTestId(`dataset-${name}`)).toContainText('Snapshot (per topic)');
  });
});
