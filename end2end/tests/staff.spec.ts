// Staff find a patient and hand them an invitation code, with JavaScript on and off: the code is
// shown once, a new account links to the record with it, and staff invite a helper on the
// patient's behalf from the same page.
import { test, expect } from '@playwright/test';
import { newPatient, signIn } from '../support/accounts';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

test('staff find a patient, give an invitation code that links a new account, and invite a helper', async ({ page, browser }, testInfo) => {
  test.setTimeout(90_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Find a patient' })).toBeVisible();
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Enter part of a name or a date of birth');

  // Each project takes its own record: one record links to one account.
  await page.getByLabel('Name', { exact: true }).fill('clark');
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  const results = page.getByRole('list', { name: 'Patients found' }).getByRole('listitem');
  await expect(results.first()).toContainText('Clark');
  const pick = results.nth(testInfo.project.name === 'js-on' ? 0 : 1);
  const name = (await pick.getByRole('link').innerText()).trim();
  await pick.getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();

  await page.getByRole('button', { name: 'Create an invitation code' }).click();
  const notice = page.getByRole('status').filter({ hasText: 'New invitation code' });
  await expect(notice).toContainText(name);
  const code = (await notice.locator('code').innerText()).trim();
  expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  expect(page.url()).not.toContain(code);
  await page.reload();
  await expect(page.getByText(code)).toHaveCount(0);

  // On the patient's behalf: a helper invited from the staff page, which says so.
  await page.getByLabel('Their email address').fill(`helper-${testInfo.project.name}-${Date.now()}@example.org`);
  await page.getByRole('group', { name: 'What they may see and do' }).getByLabel('appointments').check();
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page).toHaveURL(/\/staff\/patients\/[0-9a-f-]+\?invited=1$/);
  await expect(page.getByRole('status')).toContainText('Invitation sent');

  // The patient signs up and links the account to the record with the code.
  const patient = await (await browser.newContext()).newPage();
  const [given, family] = name.split(' ');
  const email = await newPatient(patient, `linked-${testInfo.project.name}`, [given, family]);
  await signIn(patient, email);
  await patient.goto('/me/link');
  await patient.getByLabel('Invitation code').fill(code.toLowerCase());
  await patient.getByRole('button', { name: 'Link my record' }).first().click();
  await expect(patient.getByRole('heading', { level: 2, name: `Record of ${name}` })).toBeVisible();

  // The search now says the record has an account.
  await page.goto('/staff/patients?name=clark');
  await expect(page.getByRole('listitem').filter({ hasText: name }).first()).toContainText('Signs in to the portal');
});

test('staff add a patient record once; a failed form keeps what was typed', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.goto('/staff/patients');
  const family = `Nuevo${testInfo.project.name === 'js-on' ? 'On' : 'Off'}${Date.now() % 100000}`;
  await page.getByText('Add a patient record').click();
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create the record' }) });
  await form.getByLabel('First name').fill('Inés');
  await form.getByLabel('Last name').fill(family);
  await form.getByLabel('Date of birth').fill('2999-01-01');
  await form.getByLabel('Female').check();
  await form.getByLabel('Español').check();
  await page.getByRole('button', { name: 'Create the record' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Please check the fields');
  await expect(page.getByText('A date of birth cannot be in the future.')).toBeVisible();
  await expect(form.getByLabel('Last name')).toHaveValue(family);
  await expect(form.getByLabel('Español')).toBeChecked();

  await form.getByLabel('Date of birth').fill('1961-06-30');
  await page.getByRole('button', { name: 'Create the record' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Inés ${family}` })).toBeVisible();
  await expect(page.getByRole('status').first()).toContainText('Record created');

  // The same person twice is refused, and the search finds the one record.
  await page.goto('/staff/patients');
  await page.getByText('Add a patient record').click();
  await form.getByLabel('First name').fill('inés');
  await form.getByLabel('Last name').fill(family);
  await form.getByLabel('Date of birth').fill('1961-06-30');
  await form.getByLabel('Female').check();
  await form.getByLabel('Español').check();
  await page.getByRole('button', { name: 'Create the record' }).click();
  await expect(page.getByRole('alert').first()).toContainText('already exists');
  await page.getByLabel('Name', { exact: true }).fill(family);
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  await expect(page.getByRole('list', { name: 'Patients found' }).getByRole('listitem')).toHaveCount(1);
});
