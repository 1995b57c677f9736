// Staff writing the visits and the care plan where no EHR feeds them: a visit recorded by hand
// with its after-visit summary, a care plan built one task at a time and a task taken off it,
// and the patient's primary contact chosen. Each run works on a patient record of its own.
import { test, expect, type Page } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';
import { newPatientRecord } from '../support/records';

function newRecord(page: Page, project: string): Promise<string> {
  const family = `Cuidado${project === 'js-on' ? 'On' : 'Off'}${Date.now() % 1000000}`;
  return newPatientRecord(page, 'Rosa', family, '1961-05-09');
}

test('staff record a visit and write its summary', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  const patient = await newRecord(page, testInfo.project.name);
  await page.goto(`/records/visits?patient=${patient}`);
  await expect(page.getByText('No past visits are recorded yet.')).toBeVisible();
  await page.getByRole('link', { name: 'Record a visit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Record a visit' })).toBeVisible();
  await page.getByLabel('Kind of visit, as the patient will read it').fill('Office visit');
  await page.getByLabel('CPT code (optional)').fill('99213');
  await page.getByLabel('Date of the visit').fill('2026-11-20');
  await page.getByLabel('Where').selectOption('video');
  await page.getByLabel('Seen by (optional)').fill('Dr. Ana Ruiz');
  await page.getByLabel('Reason for the visit (optional)').fill('Diabetes follow-up');
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved to the record.' })).toBeVisible();
  const visit = page.getByRole('article', { name: 'Office visit' });
  await expect(visit).toContainText('Dr. Ana Ruiz');
  await expect(visit).toContainText('Diabetes follow-up');

  await visit.getByText('Write the after-visit summary').click();
  await visit.getByLabel('After-visit summary for the patient').fill('Keep walking daily. Recheck A1c in 3 months.');
  await visit.getByRole('button', { name: 'Save the summary' }).click();
  await expect(page.getByRole('article', { name: 'Office visit' }).getByRole('paragraph').filter({ hasText: 'Recheck A1c in 3 months.' })).toBeVisible();
});

test('staff build a care plan one task at a time, take one off, and choose the primary contact', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  const patient = await newRecord(page, testInfo.project.name);
  await page.goto(`/records/care-plan?patient=${patient}`);
  await page.getByRole('link', { name: 'Add a care plan' }).click();
  await page.getByLabel('Title of the plan').fill('Diabetes plan');
  await page.getByLabel('Starts on').fill('2026-11-01');
  // A due date without its task is refused; what was typed stays.
  await page.getByLabel('Due date of the task (optional)').fill('2027-01-31');
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Please check the fields');
  await expect(page.getByLabel('Title of the plan')).toHaveValue('Diabetes plan');
  await page.getByLabel('Task, as the patient will read it').fill('Walk 30 minutes a day');
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved to the record.' })).toBeVisible();
  const tasks = page.getByRole('region', { name: 'Tasks', exact: true });
  await expect(tasks.getByText('Walk 30 minutes a day')).toBeVisible();

  await tasks.getByRole('link', { name: 'Correct: Diabetes plan' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Change a care plan' })).toBeVisible();
  await page.getByLabel('Task, as the patient will read it').fill('Book an eye exam');
  await page.getByLabel('Reason for the change').fill('Added a task');
  await page.getByRole('button', { name: 'Save the correction' }).click();
  await expect(tasks.getByText('Book an eye exam')).toBeVisible();
  await expect(tasks.getByText('Walk 30 minutes a day')).toBeVisible();

  await tasks.getByRole('link', { name: 'Correct: Diabetes plan' }).click();
  const parts = page.getByRole('region', { name: 'Tasks in this plan' });
  await expect(parts.getByRole('listitem')).toHaveCount(2);
  await parts.getByRole('button', { name: /^Remove Walk 30 minutes a day/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Removed.' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Tasks in this plan' }).getByRole('listitem')).toHaveCount(1);
  await expect(page.getByRole('region', { name: 'History' }).getByRole('listitem')).toHaveCount(3);
  await page.goto(`/records/care-plan?patient=${patient}`);
  await expect(tasks.getByText('Walk 30 minutes a day')).toHaveCount(0);
  await expect(tasks.getByText('Book an eye exam')).toBeVisible();

  await page.getByLabel('Primary contact', { exact: true }).selectOption({ label: 'Sam Okafor' });
  await page.getByRole('button', { name: 'Save the primary contact' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Primary contact saved.' })).toBeVisible();
  await expect(page.getByLabel('Primary contact', { exact: true })).toHaveValue(/.+/);
  await expect(page.getByText('No primary contact has been assigned yet.')).toHaveCount(0);
});
