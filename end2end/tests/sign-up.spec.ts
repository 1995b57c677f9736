// Creating an account and getting back into one, with JavaScript on and off: sign-up with a
// mistake first, the confirmation email's link, sign-in; and a forgotten password reset by
// email. The emails travel over SMTP from the server's own worker to the test mail server.
import { test, expect } from '@playwright/test';
import { linkIn } from '../support/mail';
import { newPatient, signIn, NEW_PATIENT_PASSWORD } from '../support/accounts';

const PASSWORD = 'saffron kettle harbour nine';

function uniqueEmail(prefix: string, project: string): string {
  return `${prefix}-${project}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`;
}

test('sign up, confirm the address from the email, and sign in', async ({ page }, testInfo) => {
  const email = uniqueEmail('new', testInfo.project.name);
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Create your account' })).toBeVisible();

  await page.getByLabel('First name').fill('Rosa');
  await page.getByLabel('Last name').fill('Delgado');
  await page.getByLabel('Date of birth').fill('1961-07-14');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();

  // The weak password is explained beside its field; everything else is still there.
  await expect(page.getByRole('alert')).toContainText('check the fields');
  await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/too easy to guess/);
  await expect(page.getByLabel('First name')).toHaveValue('Rosa');
  await expect(page.getByLabel('Date of birth')).toHaveValue('1961-07-14');
  await expect(page.getByLabel('Email address')).toHaveValue(email);
  expect(page.url()).not.toContain('Rosa');
  expect(page.url()).not.toContain('1961');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/sign-up\/check-email$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();

  // Signing in before confirming explains what to do.
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('confirm your email address first');

  // The sign-up email and the one the early sign-in sent; only the newer link works.
  const link = await linkIn(email, '/verify-email', 2);
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1, name: 'Confirm your email address' })).toBeVisible();
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page).toHaveURL(/\/sign-in\?verified=1$/);
  await expect(page.getByRole('status')).toContainText('confirmed');

  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText('Signed in as Rosa Delgado')).toBeVisible();

  // The link worked once.
  await page.goto(link);
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page.getByRole('alert')).toContainText('expired or was already used');
});

test('a forgotten password is reset from the emailed link', async ({ page }, testInfo) => {
  const email = uniqueEmail('forgot', testInfo.project.name);
  await page.goto('/sign-up');
  await page.getByLabel('First name').fill('Tomás');
  await page.getByLabel('Last name').fill('Ruiz');
  await page.getByLabel('Date of birth').fill('1990-01-31');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Español').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/sign-up\/check-email$/);

  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Reset your password' })).toBeVisible();
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('status')).toContainText('If that address has an account');

  const link = await linkIn(email, '/reset-password');
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
  await page.getByLabel('New password', { exact: true }).fill('12345678');
  await page.getByRole('button', { name: 'Save new password' }).click();
  await expect(page.getByLabel('New password', { exact: true })).toHaveAccessibleDescription(/too easy to guess/);

  const fresh = 'lantern quarry mosaic eleven';
  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByRole('button', { name: 'Save new password' }).click();
  await expect(page).toHaveURL(/\/sign-in\?reset=1$/);
  await expect(page.getByRole('status')).toContainText('Your password has been changed');

  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(fresh);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('sign-up speaks Spanish and refuses a child under 12', async ({ page, context, baseURL }) => {
  await context.addCookies([{ name: 'lang', value: 'es', url: baseURL! }]);
  await page.goto('/sign-up');
  await expect(page.getByRole('heading', { level: 1, name: 'Cree su cuenta' })).toBeVisible();
  await page.getByLabel('Nombre', { exact: true }).fill('Lucía');
  await page.getByLabel('Apellido').fill('Pérez');
  const lastYear = new Date().getFullYear() - 1;
  await page.getByLabel('Fecha de nacimiento').fill(`${lastYear}-05-01`);
  await page.getByLabel('Correo electrónico').fill('lucia@example.org');
  await page.getByLabel('Contraseña').fill(PASSWORD);
  await page.getByRole('button', { name: 'Crear cuenta' }).click();
  await expect(page.getByLabel('Fecha de nacimiento')).toHaveAccessibleDescription(/menores de 12/);
});

test('a new email address takes over once its emailed link is followed', async ({ page }, testInfo) => {
  const before = await newPatient(page, 'before');
  const after = uniqueEmail('after', testInfo.project.name);
  await signIn(page, before);
  await expect(page.getByText(`You sign in with ${before}.`)).toBeVisible();
  const form = page.getByRole('form', { name: 'Change your email address' });
  await form.getByLabel('New email address').fill(after);
  await form.getByLabel('Current password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Send a confirmation link' }).click();
  await expect(page.getByRole('status')).toContainText('We sent a link to the new address');

  await page.goto(await linkIn(after, '/verify-email'));
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page.getByRole('status')).toContainText('Your email address has been changed');
  await expect(page.getByText(`You sign in with ${after}.`)).toBeVisible();
});
