import type { Page } from '@playwright/test';
import { expect, signedInAs, test, uniqueName } from './fixtures';
import { mqttManifest } from '../support/manifests';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';

/** Everything the browser received or sent: documents, RSC payloads, JSON, SSE and WebSocket frames. */
function recordTraffic(page: Page): () => Promise<string> {
  const bodies: Promise<string>[] = [];
  // A body still streaming when the page moved on never completes: such a body is given up after
  // a while (every page is left settled below, so only long-lived streams are affected).
  const settle = (p: Promise<string>) => Promise.race([p, new Promise<string>((r) => setTimeout(() => r(''), 3000))]);
  page.on('response', (r) => bodies.push(settle(r.body().then((b) => b.toString('utf8'), () => ''))));
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => bodies.push(Promise.resolve(String(f.payload))));
    ws.on('framesent', (f) => bodies.push(Promise.resolve(String(f.payload))));
  });
  return async () => (await Promise.all(bodies)).join('\n');
}

// One test per role, so the two workers share the roles' page visits (one test visiting them all
// was the run's last and longest, 56-90 s). Each sets up its own dataset and workspace secret, with
// canaries of its own: a secret another test overwrote could not show a leak of this one's value.
test.describe('[SECRETS] a broker password and a workspace secret never reach any page, payload or frame', () => {
  for (const role of ['reader', 'editor', 'maintainer'] as const) {
    test(`for the ${role}`, async ({ page, browser, sluice }) => {
      // Every page, the preview and a pull: ran past 120 s (all roles in one test) with two workers at load 24.
      test.setTimeout(240_000);
      const name = uniqueName('leak');
      const canary = `Canary-${Date.now().toString(36)}-pw`;
      const workspaceCanary = `Canary-${Date.now().toString(36)}-ws`;
      const secretName = `SHARED_TOKEN_${role.toUpperCase()}`;

      // The maintainer imports a manifest with the password in clear, and sets a workspace secret.
      await page.goto('/w/default/datasets/new');
      const manifest = mqttManifest({ name, port: sluice.mqttPort, username: 'device', password: canary, topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }], fields: null, merge: '        kind: Append' });
      const editor = page.getByTestId('yaml-editor').locator('.cm-content');
      await editor.click();
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.insertText(manifest);
      await page.getByRole('button', { name: 'Create dataset' }).click();
      await expect(page.getByTestId('dataset-title')).toHaveText(name);
      await page.goto('/w/default/settings');
      await page.getByLabel('Secret name').fill(secretName);
      await page.getByLabel('Secret value').fill(workspaceCanary);
      await page.getByLabel('Secret brokers').fill(`mqtt://127.0.0.1:${sluice.mqttPort}`);
      await page.getByRole('button', { name: 'Set secret' }).click();
      await expect(page.getByTestId(`secret-${secretName}`)).toBeVisible();

      // Stored sealed: neither the manifest nor any block holds the values.
      const d = (await sluice.store.datasets.find(defaultWorkspaceKey(name)))!;
      expect(JSON.stringify(d.snapshot)).not.toContain(canary);
      expect(JSON.stringify(await sluice.store.datasets.blocks(d.id))).not.toContain(canary);
      expect(JSON.stringify(d.snapshot)).toContain('${{ env.MQTT_PASSWORD }}');
      await sluice.store.datasets.setPreviewWsUrl(d.id, sluice.wsUrl);

      const base = `/w/default/datasets/${name}`;
      const p = await browser.newPage({ storageState: signedInAs(role), baseURL: process.env.SLUICE_E2E_BASE_URL });
      const traffic = recordTraffic(p);
      const visit = async (path: string) => {
        await p.goto(path);
        await p.waitForLoadState('networkidle');
      };
      for (const path of ['/w/default', '/w/default/members', '/w/default/activity', '/w/default/settings', base, `${base}/data`, `${base}/history`, `${base}/pulls`, `${base}/quarantine`, `${base}/edit`, `${base}/settings`]) {
        await visit(path);
      }
      await p.goto(`${base}/preview`);
      await p.getByRole('button', { name: 'Connect' }).click();
      await expect(p.getByTestId('connection-state')).toHaveAttribute('data-status', 'connected');
      await sluice.publish(`${name}/x`, '{"a": 1}');
      await expect(p.getByTestId('message-row')).toHaveCount(1);
      if (role !== 'reader') {
        await p.goto(base);
        await p.getByRole('button', { name: 'Pull now' }).click();
        await expect(p.getByTestId('pull-status')).toContainText(/Updated|Up to date/);
      }
      const seen = await traffic();
      expect(seen.length).toBeGreaterThan(10_000); // the pages really were recorded
      expect(seen, `${role} received the broker password`).not.toContain(canary);
      expect(seen, `${role} received the workspace secret`).not.toContain(workspaceCanary);
      await p.close();
    });
  }
});
