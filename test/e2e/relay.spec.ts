import mqtt from 'mqtt';
import WebSocket from 'ws';
import { startMosquitto, type MosquittoServer } from '../support/mosquitto-server';
import { cookieOf, expect, relayUrl, signedInAs, test, uniqueName } from './fixtures';

test.describe('[RELAY] the preview through Sluice', () => {
  let secured: MosquittoServer;
  test.beforeAll(async () => {
    secured = await startMosquitto({ users: { device: 'device-password-1' } });
  });
  test.afterAll(async () => secured.stop());

  test('a reader previews a broker that needs a password, over its TCP listener, without ever holding the password', async ({ browser, sluice }) => {
    const name = uniqueName('secured');
    await sluice.addDataset({ name, port: secured.port, username: 'device', password: 'device-password-1', topics: [{ path: `${name}/#`, qos: 'AtLeastOnce' }] });
    const page = await browser.newPage({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await page.goto(`/w/default/datasets/${name}/preview`);
    await expect(page.getByLabel('Connect', { exact: true })).toHaveValue('relay');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-status', 'connected');

    const device = await mqtt.connectAsync(secured.url, { username: 'device', password: 'device-password-1' });
    await device.publishAsync(`${name}/dev1`, JSON.stringify({ event_time: '2026-11-25T10:00:00Z', device: 'dev1', value: 3 }), { qos: 1 });
    await device.endAsync();
    await expect(page.getByTestId('message-row')).toHaveCount(1);
    await page.close();
  });

  test('the relay refuses subscriptions outside the dataset, publishing by a reader, and requests without a session', async ({ sluice }) => {
    const name = uniqueName('fence');
    await sluice.addDataset({ name, port: secured.port, username: 'device', password: 'device-password-1', topics: [{ path: `${name}/in/#` }] });

    const reader = await mqtt.connectAsync(relayUrl(name), { wsOptions: { headers: { cookie: cookieOf('reader'), origin: process.env.SLUICE_E2E_BASE_URL! } }, reconnectPeriod: 0 });
    // SUBACK 0x80 (refused): mqtt.js rejects the subscription.
    await expect(reader.subscribeAsync(`${name}/other/#`)).rejects.toThrow(/Subscribe error/);
    const inside = await reader.subscribeAsync(`${name}/in/+`);
    expect(inside.map((g) => g.qos)).toEqual([0]);

    const watcher = await mqtt.connectAsync(secured.url, { username: 'device', password: 'device-password-1' });
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync(`${name}/#`);
    const closed = new Promise<void>((resolve) => reader.once('close', () => resolve()));
    reader.publish(`${name}/in/x`, 'from a reader');
    await closed;
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    await watcher.endAsync();

    const editor = await mqtt.connectAsync(relayUrl(name), { wsOptions: { headers: { cookie: cookieOf('editor'), origin: process.env.SLUICE_E2E_BASE_URL! } }, reconnectPeriod: 0 });
    await editor.publishAsync(`${name}/in/x`, 'from an editor', { qos: 1 });
    await editor.endAsync();

    // Without a session the upgrade itself is refused with 401.
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(relayUrl(name), ['mqtt'], { headers: { origin: process.env.SLUICE_E2E_BASE_URL! } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
  });
});
