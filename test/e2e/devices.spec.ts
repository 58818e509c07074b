import { randomUUID } from 'node:crypto';
import { request as playwrightRequest } from '@playwright/test';
import mqtt from 'mqtt';
import { addDataset } from '../../lib/datasets/add-dataset';
import { startDeviceEndpoint } from '../../lib/device-endpoint/device-endpoint';
import { createDeviceCredential } from '../../lib/devices/create-device-credential';
import { ZNewDeviceCredential } from '../../lib/devices/device-credential';
import { pushManifest } from '../support/manifests';
import { expect, signedInAs, test, uniqueName } from './fixtures';

test.describe('[DEVICES]', () => {
  test('a maintainer creates a device credential, sees its secret once, and revokes it; an editor may not open the page', async ({ page, browser, sluice }) => {
    const name = uniqueName('sensor');
    await page.goto('/w/default/devices');
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create' }).click();
    const shown = page.getByTestId('device-secret');
    await expect(shown).toContainText('Copy the secret now');
    const secret = (await shown.locator('code').nth(1).textContent())!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Stored hashed only.
    const stored = await sluice.store.prisma.deviceCredential.findFirstOrThrow({ where: { name } });
    expect(stored.secretHash).not.toContain(secret);
    // After a reload the secret is gone from the page.
    await page.reload();
    const row = page.getByTestId(`device-${name}`);
    await expect(row).toContainText('active');
    await expect(page.getByText(secret)).toHaveCount(0);
    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    await expect(row).toContainText('revoked');

    const editor = await browser.newPage({ storageState: signedInAs('editor'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await editor.goto('/w/default/devices');
    await expect(editor.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
    await expect(editor.getByTestId('devices-table')).toHaveCount(0);
    await editor.close();
  });
});

test.describe('[DEVICES] live preview of a push dataset', () => {
  test('shows a device\'s message as the endpoint stores it, with the backlog and the rows it becomes; a member of another workspace gets no stream', async ({ page, sluice }) => {
    const name = uniqueName('pushed');
    await addDataset({ store: sluice.store, manifest: pushManifest(name) });
    const { credential, secret } = await createDeviceCredential({ devices: sluice.store.devices, workspaceId: 'default', input: ZNewDeviceCredential.parse({ name }) });
    // An endpoint of its own (another process than the console's): the preview learns of the message through Postgres.
    const endpoint = await startDeviceEndpoint({ store: sluice.store.devices, port: 0, wsPort: 0 });
    const device = await mqtt.connectAsync(endpoint.url, { username: credential.username, password: secret, reconnectPeriod: 0 });
    try {
      await page.goto(`/w/default/datasets/${name}/preview`);
      await expect(page.getByTestId('inbox-status')).toHaveAttribute('data-status', 'connected');
      await device.publishAsync(`${name}/greenhouse`, JSON.stringify({ event_time: '2026-03-01T12:00:00Z', device: 'greenhouse', value: 21.5 }), { qos: 1 });
      await expect(page.getByTestId('preview-counters')).toHaveAttribute('data-received', '1');
      await expect(page.getByTestId('message-list')).toContainText(`${name}/greenhouse`);
      await expect(page.getByTestId('inbox-backlog')).toHaveAttribute('data-backlog', /^\d+$/);
      await page.getByRole('button', { name: 'Compute from the buffered messages' }).click();
      await expect(page.getByTestId('next-pull-summary')).toContainText('1 row would be committed from 1 read');
      await expect(page.getByTestId('next-pull-rows')).toContainText('greenhouse');
    } finally {
      await device.endAsync();
      await endpoint.close();
    }

    // A push dataset of another workspace: its inbox stream is refused to default's members.
    const slug = `other-${randomUUID().slice(0, 8)}`;
    const workspaceId = randomUUID();
    await sluice.store.prisma.organization.create({ data: { id: workspaceId, name: 'Other', slug } });
    await addDataset({ store: sluice.store, manifest: pushManifest(name), workspaceFor: async () => ({ id: workspaceId, slug }) });
    for (const role of ['reader', 'maintainer'] as const) {
      const member = await playwrightRequest.newContext({ storageState: signedInAs(role), baseURL: process.env.SLUICE_E2E_BASE_URL });
      for (const path of [`/api/w/${slug}/datasets/${name}/inbox`, `/api/w/default/datasets/${encodeURIComponent(`${slug}/${name}`)}/inbox`]) {
        const res = await member.get(path);
        expect(res.status(), `${role} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.headers()['content-type'], `${role} ${path}`).not.toContain('text/event-stream');
      }
      await member.dispose();
    }
  });
});
