// Passkeys in Chromium with a virtual authenticator (Chrome DevTools Protocol, WebAuthn domain):
// add one, sign in with it alone, use it as the second step after a password, a refused
// fingerprint, and a removed passkey. WebAuthn refuses an IP address as the site's identity, so
// these pages are opened at `localhost` (the portal's development relying party).
import { test, expect, type Page, type CDPSession } from '@playwright/test';
import { newPatient, NEW_PATIENT_PASSWORD } from '../support/accounts';

const base = (process.env.PORTAL_URL ?? 'http://127.0.0.1:3000').replace('127.0.0.1', 'localhost');
test.use({ baseURL: base });

async function authenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

async function signOut(page: Page) {
  await page.goto('/account');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

test('add a passkey, sign in with it alone, and use it after a password', async ({ page, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'WebAuthn needs JavaScript; the js-off test below covers that case');
  test.setTimeout(60_000);
  const { cdp, id } = await authenticator(page);
  const email = await newPatient(page, 'passkey');
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);

  await page.getByRole('link', { name: 'Manage passkeys' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Passkeys' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByText('You have no passkeys yet.')).toBeVisible();
  await page.getByLabel('Name (optional)').fill('Test phone');
  await page.getByRole('button', { name: 'Add a passkey' }).click();

  // The first second factor comes with recovery codes, shown once.
  await expect(page).toHaveURL(/\/account\/two-factor$/);
  await expect(page.getByRole('list', { name: 'Your recovery codes' }).getByRole('listitem')).toHaveCount(10);
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);

  await page.goto('/account/passkeys');
  const item = page.getByRole('listitem').filter({ hasText: 'Test phone' });
  await expect(item).toContainText('Not used yet');

  // Signing in with the passkey alone: no email, no password.
  await signOut(page);
  await hydrated(page, '/sign-in');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText('Signed in as Rosa Delgado')).toBeVisible();
  await page.goto('/account/passkeys');
  await expect(page.getByRole('listitem').filter({ hasText: 'Test phone' })).toContainText('Last used');

  // With a passkey, a password is only the first step; the passkey finishes it.
  await signOut(page);
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByLabel('6-digit code')).toHaveCount(0);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await expect(page).toHaveURL(/\/account$/);

  // A fingerprint the device does not accept: explained, nothing signed in.
  await signOut(page);
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId: id, isUserVerified: false });
  await hydrated(page, '/sign-in');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.locator('#passkey-status')).toContainText('The passkey was not used');
  await expect(page).toHaveURL(/\/sign-in$/);
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId: id, isUserVerified: true });

  // A passkey removed from the account no longer signs in, though the device still holds it.
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await hydrated(page, '/sign-in/code');
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await page.goto('/account/passkeys');
  await page.getByRole('button', { name: 'Remove Test phone' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Passkey removed.' })).toBeVisible();
  await expect(page.getByText('You have no passkeys yet.')).toBeVisible();
  await signOut(page);
  await hydrated(page, '/sign-in');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.locator('#passkey-status')).toContainText('That passkey was not accepted');
});

test('without JavaScript the passkey buttons stay hidden and the page says why', async ({ page, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled, 'the js-on test above covers passkeys with JavaScript');
  await page.goto('/sign-in');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeHidden();
  const email = await newPatient(page, 'passkey-nojs');
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.goto('/account/passkeys');
  await expect(page.getByRole('heading', { level: 1, name: 'Passkeys' })).toBeVisible();
  await expect(page.getByText('Passkeys need JavaScript')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add a passkey' })).toBeHidden();
});
