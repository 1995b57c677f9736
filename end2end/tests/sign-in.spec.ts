// Signing in and out with a demo account, with JavaScript on and off (see playwright.config.ts).
import { test, expect } from '@playwright/test';
import { newPatient, NEW_PATIENT_PASSWORD } from '../support/accounts';

const PATIENT = 'patient@example.org';
const PASSWORD = 'openwell demo passphrase';

test('a wrong password is explained, the email is kept, and the right one signs in', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  await page.getByLabel('Email address').fill(PATIENT);
  await page.getByLabel('Password').fill('not my password at all');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText("don't match an account");
  await expect(page.getByLabel('Email address')).toHaveValue(PATIENT);
  await expect(page.getByLabel('Password')).toHaveValue('');
  expect(page.url()).not.toContain('patient');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await expect(page.getByText('Signed in as Maria Garcia')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your account' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('listitem').filter({ has: page.getByText('This device', { exact: true }) })).toHaveCount(1);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.goto('/account');
  await expect(page.getByRole('heading', { level: 1, name: "You're signed out" })).toBeVisible();
});

test('a session on another device can be signed out from this one', async ({ page, browser }) => {
  const account = await newPatient(page, 'devices');
  // The "other device": its own browser context, signed in first.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto('/sign-in');
  await otherPage.getByLabel('Email address').fill(account);
  await otherPage.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await otherPage.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(otherPage).toHaveURL(/\/account$/);

  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(account);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  const ends = page.getByRole('button', { name: 'Sign out this device' });
  await expect(ends).toHaveCount(1);
  await ends.click();
  await expect(page.getByRole('button', { name: 'Sign out this device' })).toHaveCount(0);

  await otherPage.goto('/account');
  await expect(otherPage.getByRole('heading', { level: 1, name: "You're signed out" })).toBeVisible();
  await other.close();
});

test('the sign-in page speaks Spanish', async ({ page, context, baseURL }) => {
  await context.addCookies([{ name: 'lang', value: 'es', url: baseURL! }]);
  await page.goto('/sign-in');
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page.getByRole('heading', { level: 1, name: 'Iniciar sesión' })).toBeVisible();
  await page.getByLabel('Correo electrónico').fill('engagement@example.org');
  await page.getByLabel('Contraseña').fill('no es la contraseña');
  await page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('no coinciden con ninguna cuenta');
});

test('changing the password explains a weak one, then works', async ({ page }) => {
  const account = await newPatient(page, 'change');
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(account);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);

  await page.getByRole('form', { name: 'Change your password' }).getByLabel('Current password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('form', { name: 'Change your password' }).getByLabel('New password').fill('password1');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toContainText('too easy to guess');
  await expect(page.getByRole('form', { name: 'Change your password' }).getByLabel('New password')).toHaveAttribute('aria-invalid', 'true');

  await page.getByRole('form', { name: 'Change your password' }).getByLabel('Current password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('form', { name: 'Change your password' }).getByLabel('New password').fill('copper kettle morning drizzle');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password has been changed');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(account);
  await page.getByLabel('Password').fill('copper kettle morning drizzle');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
});
