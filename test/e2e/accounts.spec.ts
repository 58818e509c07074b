import { request as playwrightRequest, type Page } from '@playwright/test';
import type { TestAccount } from '../support/accounts';
import { createdInvitationLink, expect, signedInAs, test, uniqueName } from './fixtures';
import { NO_SESSION } from './server-actions';

/**
 * Accounts as a visitor meets them on a production build: where sign-in leads, who may sign up
 * (closed by default: by invitation), an invitation's sign-up form, who may create workspaces.
 */
const base = () => process.env.SLUICE_E2E_BASE_URL!;
const account = (role: 'reader' | 'maintainer'): TestAccount => (JSON.parse(process.env.SLUICE_E2E_ACCOUNTS!) as Record<string, TestAccount>)[role];

/** Requests the page makes to any other origin (there must be none on the way to `next`). */
function foreignRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== base()) seen.push(r.url());
  });
  return seen;
}

test.describe('[REDIRECT] sign-in ?next=', () => {
  test.use({ storageState: NO_SESSION });

  // As typed in the address bar (percent-encoded): a backslash, a tab, and a dot segment before a second slash.
  for (const next of ['/%5Cevil.example/x', '/%09/evil.example/y', '/.//evil.example/z']) {
    test(`signing in with next=${next} lands on the console`, async ({ page }) => {
      const foreign = foreignRequests(page);
      await page.goto(`/sign-in?next=${next}`);
      await page.getByLabel('Email').fill(account('reader').email);
      await page.getByLabel('Password').fill(account('reader').password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page).toHaveURL(/\/w\/default/);
      expect(new URL(page.url()).origin).toBe(base());
      expect(foreign).toEqual([]);
    });
  }

  test('a console path in next is followed', async ({ page }) => {
    await page.goto(`/sign-in?next=${encodeURIComponent('/w/default/members')}`);
    await page.getByLabel('Email').fill(account('reader').email);
    await page.getByLabel('Password').fill(account('reader').password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${base()}/w/default/members`);
  });
});

test.describe('[ACCOUNTS] sign-up is by invitation', () => {
  test.use({ storageState: NO_SESSION });

  test('the pages say so, and Better Auth’s sign-up endpoint called directly refuses a visitor', async ({ page, request, sluice }) => {
    await page.goto('/sign-in');
    await expect(page.getByTestId('auth-alternative')).toContainText('Sign-up is by invitation');
    await expect(page.getByRole('link', { name: 'Create one' })).toHaveCount(0);
    await page.goto('/sign-up');
    await expect(page.getByTestId('signup-closed')).toContainText('invitation');
    await expect(page.getByRole('button', { name: 'Create account' })).toHaveCount(0);

    const email = `${uniqueName('walkin')}@sluice.test`;
    const res = await request.post('/api/auth/sign-up/email', { headers: { origin: base() }, data: { name: 'Walk-in', email, password: 'walk-in-password-1' } });
    expect(res.status()).toBe(403);
    expect(await sluice.store.prisma.user.count({ where: { email } })).toBe(0);
  });

  test('a visitor cannot create a workspace either', async ({ request }) => {
    const res = await request.post('/api/auth/organization/create', { headers: { origin: base() }, data: { name: 'x', slug: uniqueName('ws').replace('.', '-') } });
    expect(res.status()).toBe(401);
  });
});

test.describe('[INVITE] invitation links', () => {
  test('the sign-up form of an invitation has its address, fixed; another address is refused; only that account may accept', async ({ page, browser, sluice }) => {
    const email = `${uniqueName('newbie')}@sluice.test`;
    await page.goto('/w/default/members');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = (await createdInvitationLink(page).textContent())!;
    const invitationId = decodeURIComponent(new URL(link, base()).pathname.split('/').pop()!);

    // Another signed-in account opening the link is told it is not theirs, and cannot accept it.
    const reader = await browser.newPage({ storageState: signedInAs('reader'), baseURL: base() });
    await reader.goto(link);
    await expect(reader.getByTestId('invitation-wrong-account')).toBeVisible();
    await expect(reader.getByRole('button', { name: 'Accept and join' })).toHaveCount(0);
    const readerApi = await playwrightRequest.newContext({ storageState: signedInAs('reader'), baseURL: base() });
    expect((await readerApi.post('/api/auth/organization/accept-invitation', { headers: { origin: base() }, data: { invitationId } })).status()).toBe(403);
    await readerApi.dispose();
    await reader.close();

    // The newcomer's sign-up form: the address is the invitation's and cannot be edited.
    const newcomer = await browser.newPage({ storageState: NO_SESSION, baseURL: base() });
    await newcomer.goto(link);
    await newcomer.getByRole('link', { name: 'create an account' }).click();
    const field = newcomer.getByLabel('Email');
    await expect(field).toHaveValue(email);
    await expect(field).not.toBeEditable();

    // The server holds the invitation to its address, whatever the form sends.
    const anon = await playwrightRequest.newContext({ storageState: NO_SESSION, baseURL: base() });
    const other = `${uniqueName('other')}@sluice.test`;
    const refused = await anon.post('/api/auth/sign-up/email', { headers: { origin: base() }, data: { name: 'Other', email: other, password: 'other-password-1', invitationId } });
    expect(refused.status()).toBe(403);
    expect(await sluice.store.prisma.user.count({ where: { email: other } })).toBe(0);
    await anon.dispose();

    await newcomer.getByLabel('Name').fill('Newbie');
    await newcomer.getByLabel('Password').fill('newbie-password-1');
    await newcomer.getByRole('button', { name: 'Create account' }).click();
    await newcomer.getByRole('button', { name: 'Accept and join' }).click();
    await expect(newcomer.getByTestId('my-role')).toHaveText('reader');
    await newcomer.close();

    await page.goto('/w/default/activity');
    await expect(page.getByTestId('activity-table').locator('tr', { hasText: 'Joined by invitation' }).filter({ hasText: email })).toBeVisible();
  });
});

test.describe('[WORKSPACES] who may create one', () => {
  test('an account that maintains no workspace is told so, and the endpoint refuses it; a maintainer may', async ({ browser, page }) => {
    const reader = await browser.newPage({ storageState: signedInAs('reader'), baseURL: base() });
    await reader.goto('/workspaces/new');
    await expect(reader.getByTestId('workspace-creation-refused')).toContainText('maintainers');
    await expect(reader.getByRole('button', { name: 'Create workspace' })).toHaveCount(0);
    const res = await reader.request.post('/api/auth/organization/create', { headers: { origin: base() }, data: { name: 'mine', slug: uniqueName('mine').replace('.', '-') } });
    expect(res.status()).toBe(403);
    await reader.close();

    const slug = uniqueName('team').replace('.', '-');
    await page.goto('/workspaces/new');
    await page.getByLabel('Name').fill(slug);
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
  });
});
