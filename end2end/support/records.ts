// A new patient record made by staff from the staff patients page, for a test that needs a
// record of its own (so the two projects, and reruns, never meet). Staff must be signed in.
import { expect, type Page } from '@playwright/test';

export async function newPatientRecord(page: Page, first: string, family: string, birth: string): Promise<string> {
  await page.goto('/staff/patients');
  await page.getByText('Add a patient record').click();
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create the record' }) });
  await form.getByLabel('First name').fill(first);
  await form.getByLabel('Last name').fill(family);
  await form.getByLabel('Date of birth').fill(birth);
  await form.getByLabel('Female').check();
  await form.getByLabel('English').check();
  await page.getByRole('button', { name: 'Create the record' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `${first} ${family}` })).toBeVisible();
  const href = await page.getByRole('link', { name: 'Health summary' }).getAttribute('href');
  const id = new URL(href ?? '', 'http://x').searchParams.get('patient');
  expect(id).toBeTruthy();
  return id as string;
}
