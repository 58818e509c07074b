/**
 * The preview relay against the attacks it was found open to: pages of other origins riding on a
 * member's session, oversized packets and connection floods, and access that ends while connected.
 * The relay's MQTT-level behaviour (no tunnel, MQTT 5, backpressure) is in
 * test/integration/mqtt-relay.test.ts; these go through `sluice serve` and real sessions.
 */
import http from 'node:http';
import type net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { RELAY_CLOSE } from '../../lib/relay/mqtt-relay';
import type { Role } from '../../lib/auth/roles';
import type { Store } from '../../lib/store/open-store';
import { createAccounts, signInCookies } from '../support/accounts';
import { PREVIEW_CONNECT, rawMqttWs, rawUpgradeAnswer, upgradeStatus } from '../support/raw-mqtt-ws';
import { cookieOf, expect, relayUrl, signedInAs, test, uniqueName } from './fixtures';

const BASE_URL = process.env.SLUICE_E2E_BASE_URL!;
const consoleHeaders = (cookie: string) => ({ cookie, origin: BASE_URL });

/** A relay connection that completed CONNECT/CONNACK with the broker. */
async function connectedRelay(name: string, cookie: string) {
  const c = rawMqttWs(relayUrl(name), { headers: consoleHeaders(cookie) });
  await c.sendPacket(PREVIEW_CONNECT);
  await expect.poll(() => c.packets.map((p) => p.cmd)).toEqual(['connack']);
  return c;
}

test.describe('[RELAY] only the console itself may open the relay', () => {
  test('an upgrade from another origin of the same site, or with no Origin, is refused; the console’s origin is not', async ({ sluice }) => {
    const name = uniqueName('origin');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const port = new URL(BASE_URL).port;
    const cookie = cookieOf('reader');
    expect(await upgradeStatus(relayUrl(name), { cookie, origin: `http://evil.localhost:${port}` })).toBe(403);
    expect(await upgradeStatus(relayUrl(name), { cookie, origin: `http://127.0.0.1:${Number(port) + 1}` })).toBe(403);
    expect(await upgradeStatus(relayUrl(name), { cookie })).toBe(403);
    expect(await upgradeStatus(relayUrl(name), { cookie, origin: BASE_URL })).toBe(101);
  });

  test('an upgrade whose target is not a URL path gets 400, and the console keeps answering (a throw there ended the process)', async () => {
    const url = new URL(BASE_URL);
    const answer = await rawUpgradeAnswer(Number(url.port), url.hostname, '//[');
    expect(answer).toMatch(/^HTTP\/1.1 400 /);
    expect((await fetch(`${BASE_URL}/sign-in`)).status).toBe(200);
  });

  test('an upgrade to any other path is answered 404 and closed (Next.js held such sockets open, unanswered, without limit)', async () => {
    const url = new URL(BASE_URL);
    for (const target of ['/nonexistent', '/api/nope', '/_next/webpack-hmr', '/sign-in']) {
      expect(await rawUpgradeAnswer(Number(url.port), url.hostname, target), target).toMatch(/^HTTP\/1.1 404 /);
    }
  });

  test('in Chromium, a page on another port of the console’s host cannot open the relay with the reader’s cookie', async ({ browser, sluice }) => {
    const name = uniqueName('origin');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const other = http.createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const page = await browser.newPage({ storageState: signedInAs('reader') });
    await page.goto(`http://127.0.0.1:${(other.address() as net.AddressInfo).port}/`);
    const outcome = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url, ['mqtt']);
          ws.onopen = () => resolve('open');
          ws.onclose = () => resolve('refused');
        }),
      relayUrl(name),
    );
    expect(outcome).toBe('refused');
    await page.close();
    other.close();
  });
});

test.describe('[RELAY] limits', () => {
  test('a WebSocket message or MQTT packet over SLUICE_RELAY_MAX_PACKET (1 MiB) closes the connection before it is buffered', async ({ sluice }) => {
    const name = uniqueName('limits');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    // One WebSocket message of 2 MiB: the start of a 3 MiB PUBLISH.
    const oneMessage = await connectedRelay(name, cookieOf('editor'));
    const publish = mqttPacket.generate({ cmd: 'publish', topic: `${name}/x`, payload: Buffer.alloc(3 * 1024 * 1024), qos: 0, retain: false, dup: false });
    oneMessage.ws.send(publish.subarray(0, 2 * 1024 * 1024));
    expect((await oneMessage.closed).code).toBe(1009);

    // PUBLISH declaring 256 MiB, sent in small messages: refused at its header.
    const declared = await connectedRelay(name, cookieOf('editor'));
    await declared.send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
    expect(await declared.closed).toEqual({ code: RELAY_CLOSE.tooLarge, reason: "an MQTT packet of 268435455 bytes exceeds the limit of 1048576" });
  });

  test('an account holds at most SLUICE_RELAY_MAX_CONNECTIONS (8) relay connections; others are not affected', async ({ sluice }) => {
    const name = uniqueName('limits');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const member = await newMember(sluice.store, 'reader');
    const open = [];
    for (let i = 0; i < 8; i++) open.push(await connectedRelay(name, member.cookie));
    expect(await upgradeStatus(relayUrl(name), consoleHeaders(member.cookie))).toBe(429);
    expect(await upgradeStatus(relayUrl(name), consoleHeaders(cookieOf('reader')))).toBe(101);
    // A closed connection gives its slot back.
    open.pop()!.ws.close();
    await expect.poll(() => upgradeStatus(relayUrl(name), consoleHeaders(member.cookie))).toBe(101);
    for (const c of open) c.ws.close();
  });
});

test.describe('[RELAY] access that ends while connected', () => {
  test('a member removed from the workspace is disconnected within seconds, and the preview says why', async ({ browser, sluice }) => {
    const name = uniqueName('revoke');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const member = await newMember(sluice.store, 'reader');
    const context = await browser.newContext({ baseURL: BASE_URL, storageState: { cookies: member.cookies.map((c) => ({ ...c, domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' as const })), origins: [] } });
    const page = await context.newPage();
    await page.goto(`/w/default/datasets/${name}/preview`);
    await page.getByLabel('Connect', { exact: true }).selectOption('relay');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-status', 'connected');
    const relay = await connectedRelay(name, member.cookie);

    await member.remove();
    // The relay re-checks access every few seconds; a relay that never closed fails by the test's timeout.
    const reason = 'access revoked: no workspace "default" that you are a member of';
    expect(await relay.closed).toEqual({ code: RELAY_CLOSE.refused, reason });
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-status', 'error');
    await expect(page.getByTestId('connection-state')).toContainText(reason);
    await context.close();
  });

  test('signing out disconnects the session’s relay connections within seconds', async ({ sluice }) => {
    const name = uniqueName('revoke');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const member = await newMember(sluice.store, 'reader');
    const relay = await connectedRelay(name, member.cookie);
    const res = await fetch(`${BASE_URL}/api/auth/sign-out`, { method: 'POST', headers: { ...consoleHeaders(member.cookie), 'content-type': 'application/json' }, body: '{}' });
    expect(res.ok).toBe(true);
    expect(await relay.closed).toEqual({ code: RELAY_CLOSE.refused, reason: 'access revoked: sign in to preview' });
  });

  test('an editor lowered to reader can no longer publish on the open connection', async ({ sluice }) => {
    const name = uniqueName('revoke');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const member = await newMember(sluice.store, 'editor');
    const relay = await connectedRelay(name, member.cookie);
    const publish = (messageId: number) => relay.sendPacket({ cmd: 'publish', topic: `${name}/x`, payload: Buffer.from('hello'), qos: 1, messageId, retain: false, dup: false });
    await publish(1);
    await expect.poll(() => relay.packets.map((p) => p.cmd)).toEqual(['connack', 'puback']);

    await member.setRole('reader');
    let closed: { code: number; reason: string } | undefined;
    void relay.closed.then((c) => (closed = c));
    // Publishes are accepted until the relay has re-checked the role (every 2 s); then the next one is refused.
    let id = 2;
    await expect
      .poll(
        async () => {
          if (!closed) await publish(id++).catch(() => undefined);
          return closed;
        },
        { intervals: [200], timeout: 10_000 },
      )
      .toEqual({ code: RELAY_CLOSE.refused, reason: 'your role does not allow publishing' });
  });
});

/** A new account in the default workspace, signed in over HTTP as a browser would; the test may remove it, change its role or sign it out. */
async function newMember(store: Store, role: Role) {
  const account = { email: `${uniqueName(role)}@sluice.test`, password: `${role}-password-1`, role };
  await createAccounts(store, Buffer.from(process.env.SLUICE_E2E_SECRET_KEY!, 'base64'), 'default', [account]);
  const cookies = await signInCookies(BASE_URL, account);
  const where = { user: { email: account.email } };
  return {
    cookies,
    cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
    remove: () => store.prisma.member.deleteMany({ where }),
    setRole: (r: Role) => store.prisma.member.updateMany({ where, data: { role: r } }),
  };
}
