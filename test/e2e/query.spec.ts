import fs from 'node:fs';
import { request } from '@playwright/test';
import { expect, signedInAs, test, uniqueName } from './fixtures';

test.describe('[QUERY] SQL in the browser', () => {
  test('a reader runs a GROUP BY over a dataset ingested through the broker, in DuckDB-WASM', async ({ page, browser, sluice }) => {
    test.setTimeout(60_000);
    const name = uniqueName('sql');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    await page.goto(`/w/default/datasets/${name}`);
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('Up to date');
    const readings = [['a', 1], ['a', 2], ['b', 5]] as const;
    for (const [i, [device, value]] of readings.entries()) {
      await sluice.publish(`${name}/${device}`, JSON.stringify({ event_time: `2026-11-25T10:0${i}:00Z`, device, value }));
    }
    await page.getByRole('button', { name: 'Pull now' }).click();
    await expect(page.getByTestId('pull-status')).toContainText('3 rows');

    // The whole dataset downloads as CSV, as `sluice export` writes it.
    await page.getByRole('link', { name: 'Data', exact: true }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('offset,op,system_time,event_time,device,value');
    expect(csv.slice(1).map((l) => l.split(',').slice(4).join(','))).toEqual(['a,1', 'a,2', 'b,5']);

    const reader = await browser.newPage({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await reader.goto('/w/default/query');
    const editor = reader.getByTestId('sql-editor').locator('.cm-content');
    await editor.click();
    await reader.keyboard.press('ControlOrMeta+a');
    await reader.keyboard.insertText(`SELECT device, count(*) AS n, sum(value) AS total FROM "${name}" GROUP BY device ORDER BY device`);
    await reader.keyboard.press('ControlOrMeta+Enter');
    await expect(reader.getByTestId('query-status')).toHaveText(/2 rows in \d+ ms/, { timeout: 30_000 });
    const rows = reader.getByTestId('query-result').locator('tbody tr');
    await expect(rows.nth(0)).toHaveText(/a\s*2\s*3/);
    await expect(rows.nth(1)).toHaveText(/b\s*1\s*5/);
    // A count per device is drawn as bars, from the result's own numbers.
    await expect(reader.getByLabel('Chart type')).toHaveValue('bar');
    await expect(reader.getByTestId('result-chart')).toHaveAttribute('data-y', '2,1');
    const [result] = await Promise.all([reader.waitForEvent('download'), reader.getByRole('button', { name: 'CSV' }).click()]);
    expect(fs.readFileSync((await result.path())!, 'utf8')).toBe('device,n,total\na,2,3\nb,1,5\n');
    // Every committed row, with its system columns, is in <name>__changelog.
    await editor.click();
    await reader.keyboard.press('ControlOrMeta+a');
    await reader.keyboard.insertText(`SELECT count(*) AS n, min(op) AS op FROM "${name}__changelog"`);
    await reader.keyboard.press('ControlOrMeta+Enter');
    await expect(reader.getByTestId('query-result').locator('tbody tr').first()).toHaveText(/3\s*0/);
    await reader.keyboard.press('ControlOrMeta+a');
    await reader.keyboard.insertText(`SELECT device, count(*) AS n, sum(value) AS total FROM "${name}" GROUP BY device ORDER BY device`);
    await reader.keyboard.press('ControlOrMeta+Enter');
    await expect(rows.nth(1)).toHaveText(/b\s*1\s*5/);
    // A number over time is suggested as a line chart, points in time order.
    await reader.keyboard.press('ControlOrMeta+a');
    await reader.keyboard.insertText(`SELECT event_time, value FROM "${name}"`);
    await reader.keyboard.press('ControlOrMeta+Enter');
    await expect(reader.getByLabel('Chart type')).toHaveValue('line');
    await expect(reader.getByTestId('result-chart')).toHaveAttribute('data-y', '1,2,5');
    await expect(reader.getByTestId('result-chart').locator('canvas')).toHaveCount(1);
    await expect(rows.first()).toContainText('2026-11-25T10:00:00.000Z');
    // The query travels in the link: opening it shows the same SQL.
    await expect(reader).toHaveURL(/[?&]sql=SELECT/);
    await reader.goto(reader.url());
    await expect(reader.getByTestId('sql-editor')).toContainText('SELECT event_time, value FROM');
    await reader.close();
  });

  test('a long query can be cancelled', async ({ page }) => {
    await page.goto(`/w/default/query?sql=${encodeURIComponent('SELECT count(*) FROM range(100000000000) a')}`);
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByTestId('query-status')).toHaveText('running…', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('query-status')).toHaveText('cancelled', { timeout: 15_000 });
  });

  test('the Arrow data route refuses requests without a session', async ({ sluice }) => {
    const name = uniqueName('sqlauth');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const anonymous = await request.newContext({ storageState: { cookies: [], origins: [] }, baseURL: process.env.SLUICE_E2E_BASE_URL });
    expect((await anonymous.get(`/api/w/default/datasets/${name}/arrow`)).status()).toBe(401);
    await anonymous.dispose();
  });
});
