import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { request as playwrightRequest } from '@playwright/test';
import WebSocket from 'ws';
import { addDataset } from '../../lib/datasets/add-dataset';
import { mqttManifest } from '../support/manifests';
import { expect, signedInAs, test, uniqueName } from './fixtures';

/**
 * A dataset is (workspace, name) from the guard down to the store: a name carrying another
 * workspace (`other/secret`, Kamu's account form) under /w/default/… must reach nothing of that
 * workspace, whatever route, page or relay it is sent to.
 */
test.describe('[ISOLATION] a member of default reaches nothing of another workspace', () => {
  test('routes, pages and the relay answer "not found" for other/secret, and leak none of its rows', async ({ sluice }) => {
    const slug = `other-${randomUUID().slice(0, 8)}`;
    const workspaceId = randomUUID();
    await sluice.store.prisma.organization.create({ data: { id: workspaceId, name: 'Other', slug } });
    const secret = uniqueName('secretdata');
    const { id } = await addDataset({
      store: sluice.store,
      manifest: mqttManifest({ name: secret, port: sluice.mqttPort, topics: [{ path: `${secret}/#`, qos: 'AtLeastOnce' }] }),
      workspaceFor: async () => ({ id: workspaceId, slug }),
    });
    const crossName = encodeURIComponent(`${slug}/${secret}`);

    const reader = await playwrightRequest.newContext({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    for (const path of ['export?format=ndjson', 'export?format=csv', 'slices', `arrow?id=x&schema=y&from=0&to=0`]) {
      const res = await reader.get(`/api/w/default/datasets/${crossName}/${path}`);
      expect(res.status(), path).toBe(404);
      expect(await res.json(), path).toMatchObject({ code: 'DATASET_NOT_FOUND' });
    }
    for (const tab of ['', '/data', '/history', '/pulls', '/preview', '/quarantine']) {
      const res = await reader.get(`/w/default/datasets/${crossName}${tab}`);
      const html = await res.text();
      expect(html, tab).not.toContain(`${secret}/#`);
      expect(html, tab).not.toContain(id);
      expect(html, tab).not.toContain('data-testid="dataset-title"');
    }
    await reader.dispose();

    // The relay: the upgrade is refused before any broker connection.
    const state = JSON.parse(fs.readFileSync(signedInAs('reader'), 'utf8')) as { cookies: { name: string; value: string }[] };
    const cookie = state.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const base = process.env.SLUICE_E2E_BASE_URL!;
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/api/mqtt-relay?workspace=default&dataset=${crossName}`, 'mqtt', { headers: { cookie, origin: base } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', reject);
    });
    expect(status).toBe(404);
  });
});

test.describe('[ISOLATION] Kamu\'s account/name in a manifest', () => {
  test('places the dataset in that workspace only where the editor may create datasets, else says why and stores nothing', async ({ browser, sluice }) => {
    const slug = `foreign-${randomUUID().slice(0, 8)}`;
    await sluice.store.prisma.organization.create({ data: { id: randomUUID(), name: 'Foreign', slug } });
    const name = uniqueName('placed');
    const page = await browser.newPage({ storageState: signedInAs('editor'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await page.goto('/w/default/datasets/new');
    const editor = page.getByTestId('yaml-editor').locator('.cm-content');
    const submit = async (alias: string) => {
      await editor.click();
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.insertText(mqttManifest({ name: alias, port: sluice.mqttPort, topics: [{ path: `${name}/#` }] }));
      await page.getByRole('button', { name: 'Create dataset' }).click();
    };
    await submit(`${slug}/${name}`);
    await expect(page.getByTestId('save-result')).toContainText(`no workspace "${slug}" that you are a member of`);
    expect(await sluice.store.prisma.dataset.count({ where: { name } })).toBe(0);
    await submit(`default/${name}`); // its own workspace: fine, stored under the bare name
    await expect(page.getByTestId('dataset-title')).toHaveText(name);
    await page.close();
  });
});

test.describe('[ACCESS] refusals carry their HTTP status', () => {
  test('a page the role may not open answers 403; an export of no dataset answers 404 with a message', async ({ sluice }) => {
    const name = uniqueName('status');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const reader = await playwrightRequest.newContext({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    for (const tab of ['edit', 'settings']) {
      const res = await reader.get(`/w/default/datasets/${name}/${tab}`);
      expect(res.status(), tab).toBe(403);
      expect(await res.text(), tab).toContain('Not allowed');
    }
    expect((await reader.get(`/w/default/datasets/${name}/data`)).status()).toBe(200);
    for (const format of ['csv', 'ndjson', 'parquet']) {
      const res = await reader.get(`/api/w/default/datasets/no.such.dataset/export?format=${format}`);
      expect(res.status(), format).toBe(404);
      expect(await res.json(), format).toMatchObject({ code: 'DATASET_NOT_FOUND', message: expect.stringContaining('no.such.dataset') });
    }
    for (const route of ['export?format=csv', 'slices', 'live', 'inbox', 'arrow?id=x&schema=y&from=0&to=0']) {
      const res = await reader.get(`/api/w/default/datasets/bad%E0name/${route}`);
      expect(res.status(), route).toBe(400); // a malformed escape is the caller's mistake, not a logged 500
      expect(await res.json(), route).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('percent-escape') });
    }
    expect((await reader.get('/w/default/datasets/bad%E0name/data')).status()).toBe(400); // pages too
    // Params are decoded once (by Next.js): an escaped % is a name holding %, which names nothing.
    for (const path of ['/api/w/default/datasets/%25/export?format=csv', '/api/w/%25/datasets/x/export?format=csv', `/api/w/default/datasets/default%252F${name}/slices`]) {
      const res = await reader.get(path);
      expect(res.status(), path).toBe(404);
    }
    expect((await reader.get('/w/default/datasets/%25/data')).status()).toBe(404);
    await reader.dispose();
  });

  test('no page may be framed by another page, the query page keeping its connect-src', async () => {
    const reader = await playwrightRequest.newContext({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    for (const path of ['/sign-in', '/w/default', '/w/default/members', '/w/default/query']) {
      const res = await reader.get(path);
      expect(res.headers()['x-frame-options'], path).toBe('DENY');
      expect(res.headers()['content-security-policy'], path).toContain("frame-ancestors 'none'");
    }
    expect((await reader.get('/w/default/query')).headers()['content-security-policy']).toContain("connect-src 'self'");
    await reader.dispose();
  });

  test('the console records whether sign-up is open and its own ports, for the CLI and the worker to judge brokers by', async ({ sluice }) => {
    // This console runs with sign-up by invitation (no SLUICE_OPEN_SIGNUP): see broker-policy.test.ts for what the CLI does with it.
    const recorded = await sluice.store.operatorSettings.recordedConsole();
    expect(recorded.signupOpen).toBe(false);
    expect(recorded.ports).toContain(Number(new URL(process.env.SLUICE_E2E_BASE_URL!).port)); // its own web port is never a broker
  });
});
