// Readings the patient takes at home, with JavaScript on and off: a blood pressure with its
// numbers the wrong way round is refused with what was typed kept, then added; it is listed
// and joins the clinic's blood-pressure chart, marked as entered by the patient; then it is
// removed as entered by mistake.
// Each project adds to a different person's record (Maria's own with JavaScript on, Elena's, for
// whom she is a records proxy, with it off), so the two run side by side.
import { test, expect } from '@playwright/test';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD } from '../support/totp';

const ELENA = '00000000-0000-4000-8000-00000000a004';

test('a home blood pressure is checked, added, listed and charted as the patient’s own', async ({ page }, testInfo) => {
  const query = testInfo.project.name === 'js-off' ? `?patient=${ELENA}` : '';
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto(`/records${query}`);
  await page.getByRole('navigation', { name: 'Health record' }).getByRole('link', { name: 'My readings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My readings' })).toBeVisible();

  const bp = page.getByRole('form', { name: 'Blood pressure' });
  await bp.getByLabel('Top number (systolic, mmHg)').fill('79');
  await bp.getByLabel('Bottom number (diastolic, mmHg)').fill('131');
  await bp.getByRole('button', { name: 'Add reading' }).click();
  await expect(bp.getByText('The bottom number should be lower than the top number.')).toBeVisible();
  await expect(bp.getByLabel('Top number (systolic, mmHg)')).toHaveValue('79');
  await expect(bp.getByLabel('Bottom number (diastolic, mmHg)')).toHaveValue('131');
  // Only the refused form is marked.
  await expect(page.getByRole('form', { name: 'Weight' }).locator('.field__error')).toHaveCount(0);

  await bp.getByLabel('Top number (systolic, mmHg)').fill('131');
  await bp.getByLabel('Bottom number (diastolic, mmHg)').fill('79');
  await bp.getByRole('button', { name: 'Add reading' }).click();
  await expect(page.getByText('Your reading was added.')).toBeVisible();
  const recent = page.getByRole('region', { name: 'Recent readings' });
  const line = recent.getByRole('listitem').filter({ hasText: '131/79 mmHg' }).first();
  await expect(line).toBeVisible();
  await line.getByRole('link', { name: /See how it has changed: Blood pressure panel/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Blood pressure panel' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: '131/79' }).getByText('Entered by you')).toBeVisible();

  // Entered by mistake: removed, and gone from the list.
  await page.goto(`/records/readings${query}`);
  const mine = page.getByRole('region', { name: 'Recent readings' }).getByRole('listitem').filter({ hasText: '131/79 mmHg' });
  const before = await mine.count();
  await mine.first().getByRole('button', { name: /^Remove: Blood pressure panel 131\/79 mmHg/ }).click();
  await expect(page.getByText('The reading was removed. It no longer shows here or on your charts.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Recent readings' }).getByRole('listitem').filter({ hasText: '131/79 mmHg' })).toHaveCount(before - 1);
});
