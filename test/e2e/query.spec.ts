import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import { request, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { expect, signedInAs, test, uniqueName } from './fixtures';
import { FORMULA_READINGS } from '../support/formula-readings';

/** Replaces the editor's SQL and runs it with the keyboard, as a person would. */
async function runSql(page: Page, sql: string) {
  // The page runs its opening query first; a second one waits its turn.
  await expect(page.getByTestId('query-status')).not.toHaveText(/^(loading|running)/, ENGINE);
  await page.getByTestId('sql-editor').locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(sql);
  await page.keyboard.press('ControlOrMeta+Enter');
}

/**
 * DuckDB-WASM starts in each page that opens the query page (its worker script and its
 * initialisation, code that runs once, are most of it): 1–3 s on a quiet machine, 15–25 s measured on 2 shared cores at load 20. What waits for the
 * engine is capped by this rather than by the 10 s default, and a test may start it in two pages.
 */
const ENGINE = { timeout: 120_000 };
// The slowest file (7.7 min of a 12.9 min run when its tests ran one after another): its tests
// are independent (each makes its own dataset or query), so both workers take them.
test.describe.configure({ mode: 'parallel', timeout: 300_000 });

const cell = (page: Page, row: number, column: string) => page.locator(`[data-testid=result-cell][data-row="${row}"][data-column="${column}"]`);

/** Rows of the grid as text, in display order, for the given columns. */
async function gridRows(page: Page, columns: string[], count: number): Promise<string[][]> {
  const rows: string[][] = [];
  for (let r = 0; r < count; r++) rows.push(await Promise.all(columns.map((c) => cell(page, r, c).innerText())));
  return rows;
}

/** Rows of a Parquet file, read by native DuckDB. */
async function parquetRows(file: string, sql: string): Promise<unknown[][]> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    return (await conn.runAndReadAll(sql.replace('$file', `'${file}'`))).getRows();
  } finally {
    conn.closeSync();
  }
}

test.describe('[QUERY] SQL in the browser', () => {
  test('a reader runs a GROUP BY over a dataset ingested through the broker, charts it and downloads it', async ({ page, browser, sluice }) => {
    const name = uniqueName('sql');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    // The dataset's broker session exists once pulled; Pull now itself is preview-and-pull.spec.ts's.
    expect(await sluice.pull(name)).toMatchObject({ status: 'up_to_date', rowsCommitted: 0 });
    const readings = [['a', 1], ['a', 2], ['b', 5]] as const;
    for (const [i, [device, value]] of readings.entries()) {
      await sluice.publish(`${name}/${device}`, JSON.stringify({ event_time: `2026-11-25T10:0${i}:00Z`, device, value }));
    }
    expect(await sluice.pull(name)).toMatchObject({ status: 'updated', rowsCommitted: 3 });

    // The whole dataset downloads as CSV, as `sluice export` writes it.
    await page.goto(`/w/default/datasets/${name}/data`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('offset,op,system_time,event_time,device,value');
    expect(csv.slice(1).map((l) => l.split(',').slice(4).join(','))).toEqual(['a,1', 'a,2', 'b,5']);

    // From the data tab, the dataset's curves (one per device) open in the query page with no typing.
    await page.getByRole('link', { name: 'Query in SQL' }).click();
    await expect(page.getByLabel('Chart type')).toHaveValue('line', ENGINE);
    await expect(page.getByLabel('Chart series')).toHaveValue('device');
    await expect(page.getByTestId('result-chart')).toHaveAttribute('data-series', JSON.stringify({ a: [1, 2, null], b: [null, null, 5] }));
    await expect(page.getByTestId('result-chart').locator('canvas')).toHaveCount(1);
    await expect(page.getByTestId('duckdb-state')).toHaveAttribute('data-state', 'ready');

    const reader = await browser.newPage({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await reader.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await reader.goto('/w/default/query');
    await runSql(reader, `SELECT device, count(*) AS n, sum(value) AS total FROM "${name}" GROUP BY device ORDER BY device`);
    await expect(reader.getByTestId('query-status')).toHaveText(/^2 rows in \d+ ms/, ENGINE);
    expect(await gridRows(reader, ['device', 'n', 'total'], 2)).toEqual([['a', '2', '3'], ['b', '1', '5']]);
    // A count per device is drawn as bars, from the result's own numbers.
    await expect(reader.getByLabel('Chart type')).toHaveValue('bar');
    await expect(reader.getByTestId('result-chart')).toHaveAttribute('data-series', JSON.stringify({ '': [2, 1] }));
    // Sorting by a header reorders the rows; a selected cell copies its value.
    await reader.locator('[data-testid=result-header][data-column=total]').click();
    await expect(reader.locator('[data-testid=result-header][data-column=total]')).toHaveAttribute('data-sort', 'asc');
    await reader.locator('[data-testid=result-header][data-column=total]').click();
    await expect(reader.locator('[data-testid=result-header][data-column=total]')).toHaveAttribute('data-sort', 'desc');
    expect(await gridRows(reader, ['device', 'total'], 2)).toEqual([['b', '5'], ['a', '3']]);
    await cell(reader, 0, 'total').click();
    await reader.keyboard.press('ControlOrMeta+c');
    await expect.poll(() => reader.evaluate(() => navigator.clipboard.readText())).toBe('5');
    // The result downloads as CSV and as Parquet, with the result's rows.
    const [result] = await Promise.all([reader.waitForEvent('download'), reader.getByRole('button', { name: 'CSV' }).click()]);
    // Written by DuckDB: `total` is a sum of doubles.
    expect(fs.readFileSync((await result.path())!, 'utf8')).toBe('device,n,total\na,2,3.0\nb,1,5.0\n');
    const [parquet] = await Promise.all([reader.waitForEvent('download'), reader.getByRole('button', { name: 'Parquet' }).click()]);
    expect(await parquetRows((await parquet.path())!, 'SELECT device, n::INTEGER, total::INTEGER FROM read_parquet($file) ORDER BY device')).toEqual([['a', 2, 3], ['b', 1, 5]]);

    // Every committed row, with its system columns, is in <name>__changelog.
    await runSql(reader, `SELECT count(*) AS n, min(op) AS op FROM "${name}__changelog"`);
    await expect(cell(reader, 0, 'n')).toHaveText('3');
    await expect(cell(reader, 0, 'op')).toHaveText('0');
    // A mistake is reported with its position, marked in the editor.
    await runSql(reader, `SELECT nope FROM "${name}"`);
    await expect(reader.getByTestId('query-status')).toContainText('nope');
    await expect(reader.locator('.cm-lintRange-error')).toHaveText(/^nope/);
    // The previous query's chart and table go: they are not this query's result.
    await expect(reader.getByTestId('query-result')).toHaveCount(0);
    await expect(reader.getByTestId('result-chart')).toHaveCount(0);
    // The query travels in the link: opening it shows the same SQL and runs it.
    await runSql(reader, `SELECT event_time, value FROM "${name}" ORDER BY event_time`);
    await expect(cell(reader, 0, 'event_time')).toHaveText('2026-11-25T10:00:00.000Z');
    await expect(reader).toHaveURL(/[?&]sql=SELECT/);
    await reader.goto(reader.url());
    await expect(reader.getByTestId('sql-editor')).toContainText('SELECT event_time, value FROM');
    // A link can carry any SQL: it waits for the reader to press Run.
    await expect(reader.getByTestId('query-status')).toContainText('press Run');
    await reader.getByRole('button', { name: 'Run' }).click();
    await expect(cell(reader, 2, 'value')).toHaveText('5', ENGINE);
    await reader.close();
  });

  test('CSV downloads of a dataset and of a query result neutralise text a spreadsheet would run, and keep numbers', async ({ page, sluice }) => {
    const name = uniqueName('csvsafe');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    expect(await sluice.pull(name)).toMatchObject({ status: 'up_to_date', rowsCommitted: 0 });
    const readings = FORMULA_READINGS;
    for (const [i, [device, value]] of readings.entries()) {
      await sluice.publish(`${name}/d`, JSON.stringify({ event_time: `2026-11-25T12:0${i}:00Z`, device, value }));
    }
    expect(await sluice.pull(name)).toMatchObject({ status: 'updated', rowsCommitted: 7 });
    const safe = readings.map(([device]) => (device.startsWith('plain') ? device : `'${device}`));
    const records = async (download: Promise<import('@playwright/test').Download>) =>
      parse(fs.readFileSync((await (await download).path())!, 'utf8')) as string[][];

    // The dataset's CSV (the server's writer): text cells prefixed, the negative numbers still numbers.
    await page.goto(`/w/default/datasets/${name}/data`);
    const dataset = records(page.waitForEvent('download'));
    await page.getByRole('link', { name: 'CSV' }).click();
    const datasetRows = await dataset;
    expect(datasetRows[0].slice(4)).toEqual(['device', 'value']);
    expect(datasetRows.slice(1).map((r) => r.slice(4))).toEqual(readings.map(([, value], i) => [safe[i], String(value)]));

    // The query result's CSV (DuckDB-WASM's writer): the same rule, decided by the column's type.
    const sql = `SELECT device, value, device = '-2' AS is_minus_two FROM "${name}" ORDER BY event_time`;
    await page.goto(`/w/default/query?sql=${encodeURIComponent(sql)}`);
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByTestId('query-status')).toHaveText(/^7 rows in \d+ ms/, ENGINE);
    const result = records(page.waitForEvent('download'));
    await page.getByRole('button', { name: 'CSV' }).click();
    expect(await result).toEqual([
      ['device', 'value', 'is_minus_two'],
      ...readings.map(([device, value], i) => [safe[i], Number.isInteger(value) ? value.toFixed(1) : String(value), String(device === '-2')]),
    ]);
  });

  test('a dataset is fetched once: a revisit loads it from the browser cache; on the open page, growth fetches only the new slice', async ({ page, sluice }) => {
    const name = uniqueName('sqlcache');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    const pulled = async (rowsCommitted: number) => expect(await sluice.pull(name)).toMatchObject({ rowsCommitted });
    await pulled(0);
    for (let i = 0; i < 3; i++) await sluice.publish(`${name}/d`, JSON.stringify({ event_time: `2026-11-25T11:0${i}:00Z`, device: 'd', value: i }));
    await pulled(3);

    const query = await page.context().newPage();
    const load = query.locator(`[data-testid=load-status][data-dataset="${name}"]`);
    const open = async () => {
      await query.goto(`/w/default/query?sql=${encodeURIComponent(`SELECT count(*) AS n FROM "${name}"`)}`);
      await query.getByRole('button', { name: 'Run' }).click();
    };
    // Only a dataset the query names is loaded: not one its text merely mentions in a string.
    await query.goto(`/w/default/query?sql=${encodeURIComponent(`SELECT 'rows of "${name}"' AS n`)}`);
    await query.getByRole('button', { name: 'Run' }).click();
    await expect(cell(query, 0, 'n')).toHaveText(`rows of "${name}"`, ENGINE);
    await expect(load).toHaveCount(0);

    await open();
    await expect(cell(query, 0, 'n')).toHaveText('3', ENGINE);
    await expect(load).toHaveAttribute('data-cached-bytes', '0');
    expect(Number(await load.getAttribute('data-fetched-bytes'))).toBeGreaterThan(0);

    await open();
    await expect(cell(query, 0, 'n')).toHaveText('3', ENGINE);
    await expect(load).toHaveAttribute('data-fetched-bytes', '0');
    expect(Number(await load.getAttribute('data-cached-bytes'))).toBeGreaterThan(0);

    // New data while the query page stays open: its next run loads the new slice's one row only.
    await sluice.publish(`${name}/d`, JSON.stringify({ event_time: '2026-11-25T11:09:00Z', device: 'd', value: 9 }));
    await pulled(1);
    await query.getByRole('button', { name: 'Run' }).click();
    await expect(cell(query, 0, 'n')).toHaveText('4', ENGINE);
    await expect(load).toHaveAttribute('data-rows', '1');
    await expect(load).toHaveAttribute('data-cached-bytes', '0');
    expect(Number(await load.getAttribute('data-fetched-bytes'))).toBeGreaterThan(0);
    await query.close();
  });

  test('a query saved with a name opens from its link for another member, who may not delete it', async ({ page, browser }) => {
    const queryName = uniqueName('saved');
    await page.goto(`/w/default/query?sql=${encodeURIComponent('SELECT 6 * 7 AS answer')}`);
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(cell(page, 0, 'answer')).toHaveText('42', ENGINE);
    await page.getByTestId('save-query').click();
    await page.getByTestId('saved-query-name').fill(queryName);
    await page.getByTestId('saved-query-name').press('Enter');
    await expect(page).toHaveURL(/[?&]q=[0-9a-f-]{36}/);
    const link = page.url();

    const reader = await browser.newPage({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await reader.goto(link);
    // A saved query runs as its link opens.
    await expect(cell(reader, 0, 'answer')).toHaveText('42', ENGINE);
    await reader.getByTestId('saved-queries').click();
    const item = reader.locator(`[data-testid=saved-query][data-name="${queryName}"]`);
    await expect(item).toBeVisible();
    await expect(item.getByRole('button', { name: `Delete ${queryName}` })).toHaveCount(0);
    await reader.close();
  });

  test('a long query can be cancelled', async ({ page }) => {
    // DuckDB-WASM stops a query at its next interrupt check: on this machine that took up to
    // ~17 s for this scan, so the wait is for the condition, with a generous cap.
    await page.goto(`/w/default/query?sql=${encodeURIComponent('SELECT count(*) FROM range(100000000000) a')}`);
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByTestId('query-status')).toHaveText('running…', ENGINE);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('query-status')).toHaveText('cancelled', ENGINE);
  });

  test('DuckDB-WASM is served by the app, compressed and immutable, to a cross-origin isolated page', async ({ page }) => {
    const wasm = page.waitForResponse((r) => /duckdb-eh.*\.wasm$/.test(new URL(r.url()).pathname) || r.url().includes('.wasm'));
    const wasmRequests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.endsWith('.wasm')) wasmRequests.push(r.url());
    });
    await page.goto(`/w/default/query?sql=${encodeURIComponent('SELECT 1 AS one')}`);
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByTestId('query-status')).toHaveText(/^1 rows in \d+ ms/, ENGINE);
    // Downloaded once per page.
    expect(wasmRequests).toHaveLength(1);
    const response = await wasm;
    expect(new URL(response.url()).origin).toBe(new URL(process.env.SLUICE_E2E_BASE_URL!).origin);
    const headers = await response.allHeaders();
    expect(headers['content-encoding']).toBe('br');
    expect(headers['cache-control']).toContain('immutable');
    expect((await response.request().sizes()).responseBodySize).toBeLessThan(10_000_000);
    // Opened directly, the page is cross-origin isolated, so DuckDB may run on several threads.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  test("opened directly, the page starts DuckDB from its HTML, before its scripts have loaded, and keeps that one engine", async ({ page }) => {
    const workers: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('duckdb-browser-eh.worker')) workers.push(r.url());
    });
    // The page's scripts are held back (stylesheets are not: they would hold the HTML's inline scripts too).
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/_next/static/chunks/*.js', async (route) => {
      await released;
      await route.continue();
    });
    const wasm = page.waitForRequest((r) => /duckdb-eh.*\.wasm$/.test(new URL(r.url()).pathname), ENGINE);
    await page.goto(`/w/default/query?sql=${encodeURIComponent('SELECT 1 AS one')}`, { waitUntil: 'commit' });
    await wasm;
    release();
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByTestId('query-status')).toHaveText(/^1 rows in \d+ ms/, ENGINE);
    expect(workers).toHaveLength(1);
  });

  test("the page's opening query shows the server's result before DuckDB starts in the browser, and the browser's own result is the same", async ({ page, sluice }) => {
    const name = uniqueName('sqlopen');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    expect(await sluice.pull(name)).toMatchObject({ rowsCommitted: 0 });
    const readings = [['b', 2.5], ['a', 1], ['b', -3.25], ['a', 10]] as const;
    for (const [i, [device, value]] of readings.entries()) {
      await sluice.publish(`${name}/${device}`, JSON.stringify({ event_time: `2026-11-25T09:0${i}:00Z`, device, value }));
    }
    expect(await sluice.pull(name)).toMatchObject({ rowsCommitted: readings.length });
    // DuckDB's worker is held back: what shows meanwhile can only have come from the server.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/*duckdb-browser-eh.worker*', async (route) => {
      await released;
      await route.continue();
    });
    await page.goto(`/w/default/query?dataset=${encodeURIComponent(name)}`, { waitUntil: 'commit' });
    const server = page.getByTestId('server-result');
    await expect(server).toHaveAttribute('data-rows', String(readings.length), ENGINE);
    await expect(server).toContainText('computed on the server');
    await expect(page.getByTestId('duckdb-state')).not.toHaveAttribute('data-state', 'ready');
    const columns = ['event_time', 'device', 'value'];
    const fromServer = await gridRows(page, columns, readings.length);
    expect(fromServer.map(([, device, value]) => [device, Number(value)])).toEqual(readings);

    release();
    await expect(page.getByTestId('query-status')).toHaveAttribute('data-runs', '1', ENGINE);
    await expect(server).toHaveCount(0);
    expect(await gridRows(page, columns, readings.length)).toEqual(fromServer);
    await expect(page.getByTestId('result-chart')).toHaveCount(1);
  });

  test("a query from a link gets no server result: only the page's own suggestion runs on the server", async ({ page, sluice }) => {
    const name = uniqueName('sqllink');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    expect(await sluice.pull(name)).toMatchObject({ rowsCommitted: 0 });
    await sluice.publish(`${name}/a`, JSON.stringify({ event_time: '2026-11-25T09:00:00Z', device: 'a', value: 1 }));
    expect(await sluice.pull(name)).toMatchObject({ rowsCommitted: 1 });
    await page.goto(`/w/default/query?dataset=${encodeURIComponent(name)}&sql=${encodeURIComponent(`SELECT * FROM "${name}"`)}`);
    await expect(page.getByTestId('query-status')).toHaveText(/^a query from a link/);
    await expect(page.getByTestId('server-result')).toHaveCount(0);
  });

  test('DuckDB never installs or loads an extension on its own (nothing is fetched from outside at run time)', async ({ page }) => {
    const sql = "SELECT current_setting('autoinstall_known_extensions') AS autoinstall, current_setting('autoload_known_extensions') AS autoload";
    await page.goto(`/w/default/query?sql=${encodeURIComponent(sql)}`);
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByTestId('query-status')).toHaveText(/^1 rows in \d+ ms/, ENGINE);
    expect(await gridRows(page, ['autoinstall', 'autoload'], 1)).toEqual([['false', 'false']]);
  });

  test("a query cannot send data to another origin (the page's and DuckDB worker's connections stay same-origin)", async ({ page }) => {
    const hits: string[] = [];
    const outside = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/csv', 'access-control-allow-origin': '*' }).end('a\n1\n');
    });
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(outside.address() as AddressInfo).port}/leak.csv?d=secret`;
    try {
      await page.goto(`/w/default/query?sql=${encodeURIComponent(`SELECT * FROM read_csv('${url}')`)}`);
      await page.getByRole('button', { name: 'Run' }).click();
      await expect(page.getByTestId('query-status').locator('.text-destructive')).toBeVisible(ENGINE);
      expect(hits).toEqual([]);
    } finally {
      outside.close();
    }
  });

  test('the data routes refuse requests without a session', async ({ sluice }) => {
    const name = uniqueName('sqlauth');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const anonymous = await request.newContext({ storageState: { cookies: [], origins: [] }, baseURL: process.env.SLUICE_E2E_BASE_URL });
    expect((await anonymous.get(`/api/w/default/datasets/${name}/slices`)).status()).toBe(401);
    expect((await anonymous.get(`/api/w/default/datasets/${name}/arrow?id=x&schema=y&from=0&to=0`)).status()).toBe(401);
    await anonymous.dispose();
  });
});
