// Administrators set how long each kind of result waits before patients see it. Each project
// works on its own kind and saves the value it already has, so nothing other tests rely on
// changes.
import { test, expect } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

test('an administrator sets a result release delay: a refused one keeps what was typed', async ({ page }, testInfo) => {
  // Several tests sign the administrator in, each on its own authenticator step.
  test.setTimeout(150_000);
  const [kind, hours, now] = testInfo.project.name === 'js-on'
    ? ['Pathology', '72', 'Now: 72 hours (3 days)']
    : ['Vital signs', '0', 'Now: at once'];
  await signInWithCode(page, 'admin@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Result release' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'When results reach patients' })).toBeVisible();
  const form = page.getByRole('form', { name: kind });
  await expect(form).toContainText(now);
  await expect(form.getByLabel('Hours to wait (0 for at once)')).toHaveValue(hours);

  await form.getByLabel('Hours to wait (0 for at once)').fill('9000');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Nothing was saved.' })).toBeVisible();
  await expect(form.getByText('Enter a number of hours from 0 to 8,760 (a year).')).toBeVisible();
  await expect(form.getByLabel('Hours to wait (0 for at once)')).toHaveValue('9000');

  await form.getByLabel('Hours to wait (0 for at once)').fill(hours);
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText(`Saved: ${kind}`);
  await expect(form).toContainText(now);
});
