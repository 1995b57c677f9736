// Administrators manage accounts, with JavaScript on and off: create a staff account (its owner
// is emailed a link to choose a password), find it, and disable it; then keep the canned replies
// staff answer with: add one with a misspelt placeholder (refused, with what was typed kept),
// correct it, and delete it. One sign-in for both: each authenticator code works once.
import { test, expect } from '@playwright/test';
import { linkIn } from '../support/mail';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

test('an administrator creates a staff account, whose owner sets a password, then disables it', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  const email = `nadia-${testInfo.project.name}-${Date.now()}@example.org`;
  await signInWithCode(page, 'admin@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();

  await page.getByText('Create a staff account').click();
  await page.getByLabel('Full name').fill('Nadia Bello');
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('group', { name: 'Roles' }).getByLabel('Content editor').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('status')).toContainText('Account created');

  // The new staff member chooses a password from the email, then must set up two-step sign-in.
  const other = await (await browser.newContext()).newPage();
  await other.goto(await linkIn(email, '/reset-password'));
  await other.getByLabel('New password', { exact: true }).fill('orchid tram velvet sixty');
  await other.getByRole('button', { name: 'Save new password' }).click();
  await other.getByLabel('Email address').fill(email);
  await other.getByLabel('Password').fill('orchid tram velvet sixty');
  await other.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(other).toHaveURL(/\/account\/two-factor$/);
  await expect(other.getByRole('alert')).toContainText('Your role needs two-step sign-in');

  await page.getByLabel('Find by email or name').fill(email);
  await page.getByRole('search').getByRole('button', { name: 'Show' }).click();
  const item = page.getByRole('listitem').filter({ hasText: email });
  await expect(item).toContainText('Content editor');
  await item.getByText('Manage', { exact: true }).click();
  await item.getByRole('button', { name: /Disable this account/ }).click();
  await expect(page.getByRole('status')).toContainText('Saved');
  await page.getByLabel('Find by email or name').fill(email);
  await page.getByRole('search').getByRole('button', { name: 'Show' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: email })).toContainText('Disabled');

  // Signed out everywhere at once.
  await other.goto('/account');
  await expect(other.getByRole('heading', { level: 1, name: "You're signed out" })).toBeVisible();

  // The audit log shows what just happened: searched by who, action and day, newest first.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await page.getByLabel('Who (email or name)').fill('admin@example.org');
  await page.getByLabel('Action', { exact: true }).fill('admin.account');
  await page.getByLabel('From (day)').fill(new Date().toISOString().slice(0, 10));
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page).toHaveURL(/action=admin\.account/);
  const table = page.getByRole('table', { name: 'Audit log entries, newest first' });
  await expect(table.getByRole('row').nth(1)).toContainText('admin.account.disable');
  await expect(table).toContainText('admin.account.create');
  await expect(page.getByLabel('Action', { exact: true })).toHaveValue('admin.account');

  // A filter it cannot read is named, and the search is kept.
  await page.getByLabel('Action', { exact: true }).fill('drop table;');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Check the highlighted fields');
  await expect(page.getByLabel('Action', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Who (email or name)')).toHaveValue('admin@example.org');

  // Canned replies. The two projects run side by side on the same demo data: each its own title.
  const title = `Results ready ${testInfo.project.name}`;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Canned replies' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Canned replies' })).toBeVisible();
  // The demo's replies are there to change.
  await expect(page.getByRole('form', { name: 'Visit booked' })).toBeVisible();

  const adding = page.getByRole('form', { name: 'Add a canned reply' });
  await adding.getByLabel('Title (what staff pick it by)').fill(title);
  await adding.getByLabel('Text in English').fill('Hi {firstname}, your results are ready.');
  await adding.getByLabel('Text in Spanish').fill('Hola, {first_name}: sus resultados están listos.');
  await adding.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('alert')).toContainText('Text in English: only {first_name} and {clinician} can be filled in');
  const again = page.getByRole('form', { name: 'Add a canned reply' });
  await expect(again.getByLabel('Title (what staff pick it by)')).toHaveValue(title);
  await expect(again.getByLabel('Text in Spanish')).toHaveValue('Hola, {first_name}: sus resultados están listos.');
  await again.getByLabel('Text in English').fill('Hi {first_name}, your results are ready.');
  await again.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('status')).toContainText('Saved.');
  const saved = page.getByRole('form', { name: title });
  await expect(saved.getByLabel('Text in English')).toHaveValue('Hi {first_name}, your results are ready.');

  await page.getByRole('button', { name: `Delete ${title}` }).click();
  await expect(page.getByRole('status')).toContainText('Deleted.');
  await expect(page.getByRole('form', { name: title })).toHaveCount(0);
});
