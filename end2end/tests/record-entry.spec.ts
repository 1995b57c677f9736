// Staff writing a patient's record where no EHR feeds it: a refused entry keeps what was typed,
// a saved one shows on the summary, a correction keeps its history, "entered in error" takes
// it off the record; a held result is released early; a document is added and downloaded.
// Each run works on a patient record of its own, so the two projects never meet.
import { test, expect, type Page } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';
import { newPatientRecord } from '../support/records';

function newRecord(page: Page, project: string): Promise<string> {
  const family = `Registro${project === 'js-on' ? 'On' : 'Off'}${Date.now() % 1000000}`;
  return newPatientRecord(page, 'Lucía', family, '1970-02-03');
}

test('staff add, correct and withdraw a condition, and every change is kept', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  const patient = await newRecord(page, testInfo.project.name);
  await page.goto(`/records?patient=${patient}`);
  await page.getByRole('link', { name: 'Add a condition' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Add a condition' })).toBeVisible();

  // A code that is not one is refused; what was typed stays. (A future date never leaves the
  // browser: the date field's own limit stops it.)
  await page.getByLabel('Condition, as the patient will read it').fill('Type 2 diabetes mellitus');
  await page.getByLabel('ICD-10-CM code (optional)').fill('E11.9 diabetes');
  await page.getByLabel('Began on').fill('2024-03-02');
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Please check the fields');
  await expect(page.getByText('A code has only letters, digits, dots and dashes.')).toBeVisible();
  await expect(page.getByLabel('Condition, as the patient will read it')).toHaveValue('Type 2 diabetes mellitus');
  await expect(page.getByLabel('Began on')).toHaveValue('2024-03-02');

  await page.getByLabel('ICD-10-CM code (optional)').fill('E11.9');
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved to the record.' })).toBeVisible();
  const conditions = page.getByRole('region', { name: 'Conditions' });
  await expect(conditions.getByText('Type 2 diabetes mellitus')).toBeVisible();

  // Corrected with a reason: the history names who and why.
  await conditions.getByRole('link', { name: 'Correct: Type 2 diabetes mellitus' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Correct a condition' })).toBeVisible();
  await page.getByLabel('Status').selectOption('resolved');
  await page.getByLabel('Reason for the change').fill('Resolved after weight loss');
  await page.getByRole('button', { name: 'Save the correction' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved to the record.' })).toBeVisible();
  await expect(conditions.getByText('Resolved', { exact: false })).toBeVisible();
  await conditions.getByRole('link', { name: 'Correct: Type 2 diabetes mellitus' }).click();
  const history = page.getByRole('region', { name: 'History' });
  await expect(history.getByRole('listitem')).toHaveCount(2);
  await expect(history.getByRole('listitem').nth(1)).toContainText('Changed: Resolved after weight loss');

  // Entered in error: it leaves the summary.
  await page.getByText('This was entered in error').click();
  await page.getByLabel('Why it was entered in error').fill('Charted for the wrong patient');
  await page.getByRole('button', { name: 'Mark as entered in error' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Marked as entered in error' })).toBeVisible();
  await expect(conditions.getByText('Type 2 diabetes mellitus')).toHaveCount(0);
});

test('staff release a held result early and add a document the record offers for download', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  const patient = await newRecord(page, testInfo.project.name);
  await page.goto(`/records/results?patient=${patient}`);
  await page.getByRole('link', { name: 'Add a result' }).click();
  await page.getByLabel('Test', { exact: true }).fill('Chest X-ray opacity score');
  await page.getByLabel('Value', { exact: true }).fill('1,5');
  await page.getByLabel('Kind of result').selectOption('imaging');
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved to the record.' })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: 'Chest X-ray opacity score' });
  await expect(row).toContainText('1.5');
  await expect(row).toContainText('Not yet in the patient\'s portal');
  await row.getByRole('button', { name: 'Release to the portal now: Chest X-ray opacity score' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Released' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'Chest X-ray opacity score' })).not.toContainText('Not yet in the patient\'s portal');

  await page.goto(`/records/documents?patient=${patient}`);
  await page.getByText('Add a document').click();
  await page.getByLabel('Title, as the patient will read it').fill('Referral letter');
  await page.getByLabel('Kind of document').selectOption('letter');
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'tool.pdf', mimeType: 'application/pdf', buffer: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0xff, 0xfe]) });
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByText('Only PDF, PNG, JPEG and plain-text files can be added.')).toBeVisible();
  await expect(page.getByLabel('Title, as the patient will read it')).toHaveValue('Referral letter');
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'referral.txt', mimeType: 'text/plain', buffer: Buffer.from('Please see Dr. Lee for a cardiology review.\n') });
  await page.getByRole('button', { name: 'Add to the record' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Added to the record' })).toBeVisible();
  const item = page.getByRole('listitem').filter({ hasText: 'Referral letter' });
  const download = page.waitForEvent('download');
  await item.getByRole('link', { name: /Download/ }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('Referral letter.txt');
});
