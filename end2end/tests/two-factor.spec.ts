// Two-step sign-in, with JavaScript on and off: the whole journey (sign up → confirm the
// email → sign in → set up an authenticator → sign out → sign in with a code), recovery codes,
// and staff being sent to set it up before any staff page opens.
import { test, expect } from '@playwright/test';
import { newPatient, signIn, NEW_PATIENT_PASSWORD } from '../support/accounts';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, enterCode, freshCode, signInWithCode } from '../support/totp';

test('sign up, confirm, set up an authenticator, sign out, and sign in with a code', async ({ page }) => {
  // Codes are tied to 30-second steps; a collision with another test can cost one step.
  test.setTimeout(90_000);
  const email = await newPatient(page, 'totp');
  await signIn(page, email);
  await page.getByRole('link', { name: 'Set up or manage two-step sign-in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Two-step sign-in' })).toBeVisible();
  await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();

  await expect(page.getByRole('img', { name: 'QR code to add this portal to your authenticator app' })).toBeVisible();
  const key = (await page.locator('code.secret').innerText()).replace(/\s/g, '');
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  await expect(page.getByRole('link', { name: 'Open in an authenticator app on this device' })).toHaveAttribute('href', /^otpauth:\/\/totp\//);

  // A wrong code is explained; the right one turns it on and shows ten recovery codes once.
  await page.getByLabel('Then enter the 6-digit code the app shows').fill('000000');
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByRole('alert')).toContainText('not right');
  await page.getByLabel('Then enter the 6-digit code the app shows').fill(await freshCode(page, key));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByRole('status')).toContainText('Two-step sign-in is on');
  const codes = await page.getByRole('list', { name: 'Your recovery codes' }).getByRole('listitem').allInnerTexts();
  expect(codes).toHaveLength(10);
  await page.reload();
  await expect(page.getByRole('list', { name: 'Your recovery codes' })).toHaveCount(0);
  await expect(page.getByText('Unused recovery codes: 10')).toBeVisible();

  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();

  // The password alone is not enough: the account page stays closed until the code.
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await page.goto('/account');
  await expect(page.getByRole('heading', { level: 1, name: "You're signed out" })).toBeVisible();
  await page.goBack();
  await enterCode(page, key);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText('Signed in as Rosa Delgado')).toBeVisible();

  // A recovery code works once, instead of the app.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText('Lost your phone? Use a recovery code').click();
  await page.getByLabel('Recovery code').fill(codes[0]);
  await page.getByRole('button', { name: 'Continue' }).last().click();
  await expect(page).toHaveURL(/\/account\/two-factor\?recovery=used$/);
  await expect(page.getByText('Unused recovery codes: 9')).toBeVisible();
});

test('staff are signed in with the demo key, and only administrators see the emails page', async ({ page }, testInfo) => {
  const account = testInfo.project.name === 'js-off' ? 'reviewer@example.org' : 'admin@example.org';
  await signInWithCode(page, account, DEMO_PASSWORD, DEMO_STAFF_KEY);
  await expect(page).toHaveURL(/\/account$/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  if (account.startsWith('admin')) {
    await nav.getByRole('link', { name: 'Emails' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Emails sent by the portal' })).toBeVisible();
  } else {
    await expect(nav.getByRole('link', { name: 'Emails' })).toHaveCount(0);
    const response = await page.goto('/admin/emails');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1, name: "You don't have access to this page" })).toBeVisible();
  }
});
