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
