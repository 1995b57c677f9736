// Coverage and personal estimates, with JavaScript on and off: the demo patient finds her
// insurance from her home page, asks for a correction (for herself with JavaScript on, for her
// son Leo with it off, so the two run side by side), sees what a colonoscopy would cost her
// under her plan step by step, sees the estimate for a visit before booking it, and prints a
// good-faith estimate; drug prices are listed per unit, and beside her medications. Staff keep a patient's coverage: a refused form keeps what was typed and
// says which field, and a correction leaves the earlier figures in the history.
import { test, expect } from '@playwright/test';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

const MARIA = '00000000-0000-4000-8000-00000000a001';
const LEO = '00000000-0000-4000-8000-00000000a002';
const SOFIA = '00000000-0000-4000-8000-00000000a003';

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

test('a patient sees her coverage, asks for a correction, and sees what a service would cost her', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const js = testInfo.project.name === 'js-on';
  const who = js ? MARIA : LEO;
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/me');
  await page.getByRole('link', { name: 'Insurance and coverage' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Insurance and coverage' })).toBeVisible();
  await page.goto(`/billing/coverage?patient=${who}`);
  await expect(page.getByText(js ? 'For Maria Garcia' : 'For Leo Garcia', { exact: true })).toBeVisible();
  await expect(page.getByText('Prairie Mutual Health · PPO')).toBeVisible();
  await expect(page.getByText('$1,500.00 ($400.00 met so far)')).toBeVisible();
  await expect(page.getByText('$5,000.00 ($650.00 met so far)')).toBeVisible();

  // A blank request is refused in words; a real one goes to the billing team. (Run again on the
  // same data, the first request is still open and there is no form.)
  const ask = page.getByRole('button', { name: 'Ask for a correction' });
  if (await ask.count() > 0) {
    const note = page.getByLabel('What should we correct?');
    if (!js) {
      // Spaces pass the browser's own check; the server says what is missing.
      await note.fill('   ');
      await ask.click();
      await expect(page.getByText('Please fill this in.')).toBeVisible();
    }
    await note.fill('Our plan now has a new member ID: PMH-5521-0001.');
    await ask.click();
    await expect(page.getByRole('status').filter({ hasText: 'Your request was sent to our billing team' })).toBeVisible();
  }
  await expect(page.getByText(/You asked for a correction on .*: Received/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Ask for a correction' })).toHaveCount(0);
  await page.getByRole('link', { name: 'See the request' }).click();
  await expect(page.getByText('Our plan now has a new member ID: PMH-5521-0001.')).toBeVisible();

  // A colonoscopy under her PPO: $1,464.00; $1,100.00 of deductible left, then 20% of $364.00.
  await page.goto('/prices?q=45378');
  await page.getByRole('link', { name: 'Colonoscopy', exact: true }).click();
  const estimate = page.getByRole('region', { name: 'What Maria Garcia would pay' });
  await expect(estimate).toContainText('Your plan, Prairie Mutual Health · PPO, has agreed a price of $1,464.00 for this service.');
  await expect(estimate.getByRole('listitem').nth(0)).toHaveText('First, $1,100.00 goes toward your deductible ($1,100.00 of your $1,500.00 deductible is left this year).');
  await expect(estimate.getByRole('listitem').nth(1)).toHaveText('Then you pay your coinsurance: 20% of the remaining $364.00, which is $72.80.');
  await expect(estimate.getByRole('definition').first()).toHaveText('$1,172.80');
  await expect(estimate.getByRole('definition').nth(1)).toHaveText('$291.20');

  // Before booking a visit, what it will cost.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visits' }).click();
  await page.getByRole('link', { name: 'Book a visit' }).first().click();
  await page.getByText('Specialty, clinician, location, language').click();
  await page.getByLabel('Clinician', { exact: true }).selectOption({ index: js ? 1 : 2 });
  await page.getByLabel('From', { exact: true }).fill(day(40));
  await page.getByLabel('To', { exact: true }).fill(day(46));
  await page.getByRole('button', { name: 'Show open times' }).click();
  await page.getByRole('link', { name: /^[A-Za-z]+, .+ \d{1,2}:\d{2}/ }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Confirm your visit' })).toBeVisible();
  const atBooking = page.getByRole('region', { name: 'What Maria Garcia would pay' });
  await expect(atBooking).toContainText(/Your plan, Prairie Mutual Health · PPO, has agreed a price of \$[\d,]+\.\d\d for this service\./);
  await expect(atBooking).toContainText('You pay');
  await expect(page.getByRole('button', { name: 'Book this time' })).toBeVisible();
});

test('a good-faith estimate lists a service with what is billed with it, to print', async ({ page }) => {
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/prices?q=45378');
  await page.getByRole('link', { name: 'Colonoscopy', exact: true }).click();
  const item = new URL(page.url()).pathname;
  await page.goto(`${item}/good-faith?patient=${MARIA}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Good-faith estimate' })).toBeVisible();
  await expect(page.getByRole('definition').filter({ hasText: 'Maria Garcia' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Expected charges if you pay for yourself' });
  await expect(table.getByRole('row', { name: /Colonoscopy/ }).first()).toBeVisible();
  await expect(table.getByRole('row', { name: /Anaesthesia for a colonoscopy/ })).toBeVisible();
  await expect(table.getByRole('row', { name: /Total expected charges/ })).toContainText('$2,247.00');
  await expect(page.getByText(/at least \$400 more than this estimate/)).toBeVisible();
});

test('staff keep a patient\'s coverage: a refused form keeps what was typed', async ({ page }) => {
  // A fresh authenticator code can take up to 30 s.
  test.setTimeout(90_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.goto(`/staff/patients/${SOFIA}`);
  await page.getByRole('link', { name: 'Insurance and coverage' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Insurance and coverage' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Change the coverage on file' });
  await form.getByLabel('Plan').selectOption({ label: 'Prairie Mutual Health · HMO' });
  await form.getByLabel('Member ID').fill('PMH-HMO-77');
  await form.getByLabel('Deductible', { exact: true }).fill('2,000');
  await form.getByLabel('Deductible met so far this year').fill('2,500');
  await form.getByLabel('Coinsurance, in percent').fill('15');
  await form.getByLabel('Office visit copay').fill('25');
  await form.getByLabel('Out-of-pocket maximum').fill('6,000');
  await form.getByLabel('Out-of-pocket met so far this year').fill('700');
  await form.getByRole('button', { name: 'Save coverage' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Nothing was saved.' })).toBeVisible();
  await expect(page.getByText('This can\'t be more than the deductible.')).toBeVisible();
  await expect(form.getByLabel('Member ID')).toHaveValue('PMH-HMO-77');
  await expect(form.getByLabel('Coinsurance, in percent')).toHaveValue('15');
  await expect(form.getByLabel('Deductible met so far this year')).toHaveValue('2,500');

  await form.getByLabel('Deductible met so far this year').fill('500');
  await form.getByRole('button', { name: 'Save coverage' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Coverage saved.' })).toBeVisible();
  await expect(page.getByText('$2,000.00 ($500.00 met so far)')).toBeVisible();
  await expect(page.getByText('15%', { exact: true })).toBeVisible();
  const history = page.getByRole('region', { name: 'Changes' });
  await expect(history.getByRole('listitem').filter({ hasText: 'Prairie Mutual Health · HMO' }).first()).toBeVisible();
  await expect(history.getByRole('listitem').filter({ hasText: 'Prairie Mutual Health · PPO' })).toHaveCount(1);
});

test('drug prices are listed per unit, and beside the patient\'s medications', async ({ page }) => {
  await page.goto('/prices');
  await page.getByRole('link', { name: 'Prescription drug prices' }).click();
  await expect(page).toHaveURL(/drugs=1/);
  await expect(page.getByRole('status').filter({ hasText: '8 services found' })).toBeVisible();
  await expect(page.getByLabel('Prescription drugs only')).toBeChecked();
  const metformin = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Metformin 500 mg tablet (one)' }) });
  await expect(metformin).toContainText('Prices are: each');
  await expect(metformin).toContainText('$0.15');
  // Words narrow the list and it stays drugs only.
  await page.getByLabel('Service or code').fill('inhaler');
  await page.getByRole('button', { name: 'Show prices' }).click();
  await expect(page.getByRole('status').filter({ hasText: '1 service found' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Albuterol inhaler (200 puffs)' })).toBeVisible();

  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto(`/records?patient=${MARIA}`);
  const medications = page.getByRole('region', { name: 'Medications' });
  await expect(medications.getByText('Cash price without insurance').first()).toBeVisible();
  await expect(medications.getByText(/^\$\d+\.\d\d (each|per .+)$/).first()).toBeVisible();
});
