// A medication renewal request, with JavaScript on and off: from the medication list the demo
// patient asks the care team to renew a current prescription (her own with JavaScript on, her
// son Leo's with it off, so the two run side by side); it arrives as a conversation on the
// renewal topic, and the summary then shows where it stands and links to it. The record of
// Elena, for whom she is a proxy for records but not for messages, offers no renewal (an
// outside record's medication offers none either: tests/records.rs).
import { test, expect } from '@playwright/test';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD } from '../support/totp';

const LEO = '00000000-0000-4000-8000-00000000a002';
const ELENA = '00000000-0000-4000-8000-00000000a004';

test('a renewal is asked for from the medication list and its status shows beside it', async ({ page }, testInfo) => {
  const query = testInfo.project.name === 'js-off' ? `?patient=${LEO}` : '';
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto(`/records${query}`);
  const medications = page.getByRole('region', { name: 'Medications' });
  // The first medication not already asked for (a retry finds the earlier one open).
  const item = medications.getByRole('listitem').filter({ has: page.getByRole('link', { name: /^Ask for a renewal: / }) }).first();
  const name = (await item.locator('.record-item__name').textContent())!.trim();
  await item.getByRole('link', { name: `Ask for a renewal: ${name}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Ask for a renewal' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
  await page.getByLabel('Pharmacy (optional)').fill('Main Street Pharmacy, 555-0100');
  await page.getByLabel('Anything your care team should know (optional)').fill('Running out on Friday.');
  await page.getByRole('button', { name: 'Send the request' }).click();

  // It is a conversation with the care team, saying what to renew and where.
  await expect(page).toHaveURL(/\/messages\/[0-9a-f-]+\?sent=1$/);
  await expect(page.getByText('Sent.')).toBeVisible();
  await expect(page.getByText(`Please renew: ${name}`)).toBeVisible();
  await expect(page.getByText('Pharmacy: Main Street Pharmacy, 555-0100')).toBeVisible();

  await page.goto(`/records${query}`);
  const asked = page.getByRole('region', { name: 'Medications' }).getByRole('listitem').filter({ hasText: name }).first();
  await expect(asked.getByText(/Renewal asked for on .*: Received/)).toBeVisible();
  await expect(asked.getByRole('link', { name: /^Ask for a renewal/ })).toHaveCount(0);
  await asked.getByRole('link', { name: `See the request: ${name}` }).click();
  await expect(page.getByText(`Please renew: ${name}`)).toBeVisible();

  // Elena's record: Maria reads it but does not write to Elena's care team.
  await page.goto(`/records?patient=${ELENA}`);
  await expect(page.getByRole('region', { name: 'Medications' }).getByRole('listitem').first()).toBeVisible();
  await expect(page.getByRole('link', { name: /Ask for a renewal/ })).toHaveCount(0);
});
