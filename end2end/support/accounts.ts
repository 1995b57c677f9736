// A new patient account for a test that needs one of its own: signed up and confirmed through
// the portal's pages and the emailed link, like a real person.
import { expect, type Page } from '@playwright/test';
import { linkIn } from './mail';

export const NEW_PATIENT_PASSWORD = 'saffron kettle harbour nine';

export async function newPatient(page: Page, label: string, name = ['Rosa', 'Delgado']): Promise<string> {
  const email = `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`;
  await page.goto('/sign-up');
  await page.getByLabel('First name').fill(name[0]);
  await page.getByLabel('Last name').fill(name[1]);
  await page.getByLabel('Date of birth').fill('1975-04-09');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(NEW_PATIENT_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/sign-up\/check-email$/);
  await page.goto(await linkIn(email, '/verify-email'));
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await expect(page).toHaveURL(/\/sign-in\?verified=1$/);
  return email;
}

export async function signIn(page: Page, email: string, password = NEW_PATIENT_PASSWORD): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
}
