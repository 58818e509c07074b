import { request as playwrightRequest } from '@playwright/test';
import { createdInvitationLink, expect, signedInAs, test, uniqueName } from './fixtures';
import { defaultWorkspaceKey } from '../../lib/datasets/dataset-key';
import { captureAction, NO_SESSION, replayAs } from './server-actions';

/**
 * Enforcement is on the server: a refused role gets a refusal from the action itself, replayed
 * with the exact request the browser of an allowed role sent.
 */
test.describe('[ROLES] reader', () => {
  test('sees data but no edit, pull or publish controls; the edit page says not allowed', async ({ browser, sluice }) => {
    const name = uniqueName('ro');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const page = await browser.newPage({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await page.goto(`/w/default/datasets/${name}`);
    await expect(page.getByTestId('dataset-title')).toHaveText(name);
    await expect(page.getByTestId('my-role')).toHaveText('reader');
    await expect(page.getByRole('button', { name: 'Pull now' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0);
    await page.goto(`/w/default/datasets/${name}/preview`);
    await expect(page.getByText('Publish a test message')).toHaveCount(0);
    await page.goto(`/w/default/datasets/${name}/edit`);
    await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
    await expect(page.getByTestId('yaml-editor')).toHaveCount(0);
    await page.close();
  });

  test('Pull and save actions called directly return FORBIDDEN and change nothing', async ({ page, sluice }) => {
    const name = uniqueName('direct');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const d = (await sluice.store.datasets.find(defaultWorkspaceKey(name)))!;

    // The maintainer's own requests, replayed with the reader's session.
    await page.goto(`/w/default/datasets/${name}`);
    const pull = await captureAction(page, () => page.getByRole('button', { name: 'Pull now' }).click());
    await expect(page.getByTestId('pull-status')).toContainText('Up to date');
    const pullsBefore = (await sluice.store.datasets.pulls(d.id)).length;
    const refused = await replayAs('reader', pull);
    expect(refused).toContain('"code":"FORBIDDEN"');
    expect(await sluice.store.datasets.pulls(d.id)).toHaveLength(pullsBefore);

    await page.goto(`/w/default/datasets/${name}/edit`);
    await page.getByRole('button', { name: 'Add topic' }).click();
    await page.getByLabel('Topic 2', { exact: true }).fill(`${name}-other/#`);
    const save = await captureAction(page, () => page.getByRole('button', { name: 'Save changes' }).click());
    await expect(page.getByTestId('save-result')).toContainText('Appended');
    const head = (await sluice.store.datasets.find(defaultWorkspaceKey(name)))!.headHash;
    expect(await replayAs('reader', save)).toContain('"code":"FORBIDDEN"');
    expect((await sluice.store.datasets.find(defaultWorkspaceKey(name)))!.headHash).toBe(head);

    // Without any session: refused as unauthenticated.
    expect(await replayAs(null, pull)).toContain('"code":"UNAUTHENTICATED"');
  });
});

test.describe('[ROLES] unauthenticated', () => {
  test.use({ storageState: NO_SESSION });

  test('every page sends to sign-in, and data routes answer 401', async ({ page, sluice, request }) => {
    const name = uniqueName('anon');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    const base = `/w/default/datasets/${name}`;
    for (const path of ['/', '/w/default', '/w/default/members', '/w/default/datasets/new', base, `${base}/data`, `${base}/preview`, `${base}/history`, `${base}/pulls`, `${base}/quarantine`, `${base}/edit`, '/workspaces/new']) {
      await page.goto(path);
      await expect(page, path).toHaveURL(/\/sign-in/);
    }
    const run = await request.get('/api/pull-runs/00000000-0000-0000-0000-000000000000');
    expect(run.status()).toBe(401);
  });
});

test.describe('[ROLES] maintainer', () => {
  test('invites a member by link, who signs up, joins as reader, and is made editor; the activity list records who did it', async ({ page, browser }) => {
    const email = `${uniqueName('new')}@sluice.test`;
    await page.goto('/w/default/members');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = await createdInvitationLink(page).textContent();
    expect(link).toMatch(/\/invite\//);

    const newcomer = await browser.newPage({ storageState: NO_SESSION, baseURL: process.env.SLUICE_E2E_BASE_URL });
    await newcomer.goto(link!);
    await newcomer.getByRole('link', { name: 'create an account' }).click();
    await newcomer.getByLabel('Name').fill('Newcomer');
    // The invitation's address, fixed (the server refuses another one for this invitation).
    await expect(newcomer.getByLabel('Email')).toHaveValue(email);
    await newcomer.getByLabel('Password').fill('newcomer-password-1');
    await newcomer.getByRole('button', { name: 'Create account' }).click();
    await newcomer.getByRole('button', { name: 'Accept and join' }).click();
    await expect(newcomer.getByTestId('my-role')).toHaveText('reader');

    await page.reload();
    await page.getByLabel(`Role of ${email}`).selectOption('editor');
    // The select shows the choice at once; the server's page shows it once the action committed.
    await expect(async () => {
      await page.reload();
      await expect(page.getByLabel(`Role of ${email}`)).toHaveValue('editor', { timeout: 500 });
    }).toPass();
    await newcomer.reload();
    await expect(newcomer.getByTestId('my-role')).toHaveText('editor');
    await newcomer.close();

    await page.goto('/w/default/activity');
    const activity = page.getByTestId('activity-table');
    await expect(activity.locator('tr', { hasText: 'Changed the role of' }).filter({ hasText: email })).toContainText('maintainer@sluice.test');
    await expect(activity.locator('tr', { hasText: 'Invited' }).filter({ hasText: email })).toContainText('role: reader');
  });

  test('an editor cannot manage members, even by calling the action', async ({ page, browser }) => {
    await page.goto('/w/default/members');
    await page.getByLabel('Email').fill(`${uniqueName('x')}@sluice.test`);
    const invite = await captureAction(page, () => page.getByRole('button', { name: 'Invite' }).click());
    await expect(page.getByTestId('invitation-link').first()).toBeVisible();
    const editor = await browser.newPage({ storageState: signedInAs('editor'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await editor.goto('/w/default/members');
    await expect(editor.getByRole('button', { name: 'Invite' })).toHaveCount(0);
    const ctx = await playwrightRequest.newContext({ storageState: signedInAs('editor') });
    const { cookie: _c, ...headers } = invite.headers;
    expect(await (await ctx.post(invite.url, { headers, data: invite.body })).text()).toContain('"code":"FORBIDDEN"');
    await ctx.dispose();
    await editor.close();
  });
});

test.describe('[ACCOUNTS] sign-in', () => {
  test.use({ storageState: NO_SESSION });

  // Tagged: it leaves 127.0.0.1 unable to sign in for a minute, so it runs last (playwright.config.ts).
  test('a wrong password is refused, and after 10 attempts in a minute sign-in is rate-limited, whatever X-Forwarded-For says', { tag: '@exhausts-sign-in' }, async ({ page, request }) => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill('reader@sluice.test');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('auth-error')).toContainText(/invalid/i);

    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await request.post('/api/auth/sign-in/email', {
        headers: { origin: process.env.SLUICE_E2E_BASE_URL!, 'x-forwarded-for': `10.9.8.${i}` },
        data: { email: 'reader@sluice.test', password: 'not-the-password' },
      });
      statuses.push(res.status());
    }
    expect(statuses.at(-1)).toBe(429);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('auth-error')).toContainText('Too many attempts');
  });
});

test.describe('[SCHEDULE] maintainer', () => {
  test('schedules a dataset; every member sees the schedule and the next run; a bad cron is refused', async ({ page, browser, sluice }) => {
    const name = uniqueName('sched');
    await sluice.addDataset({ name, topics: [{ path: `${name}/#` }] });
    await page.goto(`/w/default/datasets/${name}/settings`);
    await page.getByLabel('Pull schedule').selectOption('cron');
    await page.getByLabel('Cron').fill('every hour');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'five fields' })).toBeVisible();
    await page.getByLabel('Pull schedule').selectOption('every');
    await page.getByLabel('Minutes').fill('30');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect(page.getByTestId('schedule-summary')).toContainText('every 30 minutes');

    const reader = await browser.newPage({ storageState: signedInAs('reader'), baseURL: process.env.SLUICE_E2E_BASE_URL });
    await reader.goto(`/w/default/datasets/${name}`);
    await expect(reader.getByTestId('schedule-summary')).toContainText('every 30 minutes');
    await expect(reader.getByRole('link', { name: 'Settings', exact: true })).toHaveCount(0);
    await reader.close();
  });
});

test.describe('[DELETE] maintainer', () => {
  test('deletes a dataset after typing its name; the same action from an editor is refused', async ({ page, sluice }) => {
    const doomed = uniqueName('doomed');
    const kept = uniqueName('kept');
    await sluice.addDataset({ name: doomed, topics: [{ path: `${doomed}/#` }] });
    await sluice.addDataset({ name: kept, topics: [{ path: `${kept}/#` }] });
    await page.goto(`/w/default/datasets/${doomed}/settings`);
    await expect(page.getByRole('button', { name: 'Delete dataset' })).toBeDisabled();
    await page.getByLabel('Dataset name to delete').fill(doomed);
    const del = await captureAction(page, () => page.getByRole('button', { name: 'Delete dataset' }).click());
    await expect(page).toHaveURL(/\/w\/default$/);
    await expect(page.getByTestId(`dataset-${doomed}`)).toHaveCount(0);
    expect(await sluice.store.datasets.find(defaultWorkspaceKey(doomed))).toBeUndefined();

    const asEditor = await replayAs('editor', { ...del, body: del.body.replaceAll(doomed, kept) });
    expect(asEditor).toContain('"code":"FORBIDDEN"');
    expect(await sluice.store.datasets.find(defaultWorkspaceKey(kept))).toBeDefined();
  });
});
