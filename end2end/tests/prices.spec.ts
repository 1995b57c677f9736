// Price transparency, with JavaScript on and off: a visitor finds a service from the footer by
// plain words (English and Spanish) and by billing code, picks a plan and sees its rate on the
// service's page beside what is usually billed with it; an administrator's broken file is
// refused with a report by line and column, and re-importing the published file changes nothing.
import { test, expect } from '@playwright/test';
import { exclusively } from '../support/lock';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

test('a visitor finds a price by words or code and sees their plan\'s rate', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('contentinfo').getByRole('link', { name: 'Price Transparency' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Prices' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: '36 services found' })).toBeVisible();

  await page.getByLabel('Service or code').fill('colonoscopy');
  await page.getByLabel('Your insurance plan').selectOption({ label: 'Prairie Mutual Health · PPO' });
  await page.getByRole('button', { name: 'Show prices' }).click();
  await expect(page).toHaveURL(/q=colonoscopy/);
  const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Colonoscopy', exact: true }) });
  await expect(card).toContainText('$1,680.00');
  await expect(card).toContainText('$2,400.00');
  await expect(card).toContainText('Your plan: Prairie Mutual Health · PPO');
  await expect(card).toContainText('$1,464.00');

  await card.getByRole('link', { name: 'Colonoscopy', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Colonoscopy' })).toBeVisible();
  await expect(page).toHaveURL(/\/prices\/[0-9a-f-]{36}\?plan=/);
  await expect(page.getByRole('status').filter({ hasText: 'Your plan: Prairie Mutual Health · PPO' })).toContainText('$1,464.00');
  const rates = page.getByRole('table', { name: 'What each insurance plan pays' });
  await expect(rates.getByRole('row')).toHaveCount(5);
  await expect(rates.getByRole('row', { name: /Prairie Mutual Health · PPO/ })).toContainText('Your plan');
  const group = page.getByRole('region', { name: 'Usually billed together' });
  await expect(group.getByRole('link', { name: 'Anaesthesia for a colonoscopy' })).toBeVisible();
  await expect(group).toContainText('Cash price for all of them together: $2,247.00');

  // Another plan from the same page, then the anaesthesia's own page links back.
  await page.getByLabel('Your insurance plan').selectOption({ label: 'Lakeside Care Alliance · Choice' });
  await page.getByRole('button', { name: 'Show my plan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your plan: Lakeside Care Alliance · Choice' })).toBeVisible();
  await group.getByRole('link', { name: 'Anaesthesia for a colonoscopy' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Anaesthesia for a colonoscopy' })).toBeVisible();
  await expect(page.getByText('Usually billed with:')).toBeVisible();
  await page.getByRole('link', { name: 'Colonoscopy', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Colonoscopy' })).toBeVisible();

  // By billing code, and a search that finds nothing says what to try.
  await page.goto('/prices?q=80061');
  await expect(page.getByRole('status').filter({ hasText: '1 service found' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Cholesterol test (lipid panel)' })).toBeVisible();
  await page.getByLabel('Service or code').fill('zzzz unknown');
  await page.getByRole('button', { name: 'Show prices' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'No service matches.' })).toBeVisible();
  await expect(page.getByLabel('Service or code')).toHaveValue('zzzz unknown');

  // The emergency visit: one plan pays a share of billed charges, said in words.
  await page.goto('/prices?q=99283');
  await page.getByRole('link', { name: 'Emergency visit (moderate)' }).click();
  await expect(page.getByRole('row', { name: /Lakeside Care Alliance · Choice/ })).toContainText('65% of the billed charges');
});

test('the price lookup works in Spanish', async ({ page, context, baseURL }) => {
  await context.addCookies([{ name: 'lang', value: 'es', url: baseURL! }]);
  await page.goto('/prices?q=colonoscopia');
  await expect(page.getByRole('heading', { level: 1, name: 'Precios' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Colonoscopia', exact: true })).toBeVisible();
  await expect(page.getByRole('contentinfo').getByRole('link', { name: 'Transparencia de precios' })).toBeVisible();
  await page.getByRole('link', { name: 'Colonoscopia', exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Se factura normalmente junto con' })).toBeVisible();
  await expect(page.getByText('Precio en efectivo', { exact: true }).first()).toBeVisible();
});

test('an administrator\'s broken file changes nothing and the report says where', async ({ page, request }) => {
  // Signing in can wait for a fresh code, and the catalogue may be another test's for a while.
  test.setTimeout(150_000);
  await signInWithCode(page, 'admin@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  // A figure corrected meanwhile would change the file this test compares.
  await exclusively('catalogue', async () => {
    const published = await request.get('/prices/standard-charges.csv');
    expect(published.status()).toBe(200);
    expect(published.headers()['content-disposition']).toContain('riverbend-health_standardcharges.csv');
    const csv = await published.text();
    const lines = csv.split('\n');
    // Line 4 is the first service: its gross charge becomes text that is not money.
    lines[3] = lines[3].replace(/,250\.00?,175\.00?,/, ',two hundred,175,').replace(/,250,175,/, ',two hundred,175,');
    const broken = lines.join('\n');
    expect(broken).not.toEqual(csv);

    await page.goto('/admin/prices');
    await expect(page.getByRole('heading', { level: 1, name: 'Prices and billing codes' })).toBeVisible();
    await page.getByLabel('Standard charges file').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(broken) });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'broken.csv: not imported' })).toBeVisible();
    const problem = page.getByRole('row').filter({ hasText: 'Not an amount in dollars and cents.' });
    await expect(problem).toContainText('4');
    await expect(problem).toContainText('standard_charge|gross');
    await expect(problem).toContainText('two hundred');

    // The published file is unchanged, and importing it as it is changes no price or address.
    expect(await (await request.get('/prices/standard-charges.csv')).text()).toEqual(csv);
    await page.goto('/prices?q=45378');
    const before = await page.getByRole('link', { name: 'Colonoscopy', exact: true }).getAttribute('href');
    await page.goto('/admin/prices');
    await page.getByLabel('Standard charges file').setInputFiles({ name: 'riverbend.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'riverbend.csv' })).toContainText('36 services');
    expect(await (await request.get('/prices/standard-charges.csv')).text()).toEqual(csv);
    await page.goto('/prices?q=45378');
    expect(await page.getByRole('link', { name: 'Colonoscopy', exact: true }).getAttribute('href')).toEqual(before);
  });
});

test('an administrator renames a service, a refused edit keeps what was typed, and the history keeps each version', async ({ page }, testInfo) => {
  // Several tests sign the administrator in, each on its own authenticator step.
  test.setTimeout(150_000);
  // Each project edits its own service, so the two can run side by side.
  const [code, name] = testInfo.project.name === 'js-on'
    ? ['99214', 'Longer follow-up visit (30 to 39 minutes)']
    : ['99395', 'Yearly check-up, returning patient (18 to 39)'];
  const renamed = `${name} with a clinician you know`;
  await signInWithCode(page, 'admin@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.goto(`/prices?q=${code}`);
  await page.getByRole('link', { name, exact: true }).click();
  await page.getByRole('link', { name: 'Edit this service (administrators)' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Edit a service: names, group and prices' })).toBeVisible();
  await expect(page.getByLabel('Name in English')).toHaveValue(name);

  // Spaces pass the browser's own check; the server says the name is missing.
  await page.getByLabel('Name in English').fill('   ');
  await page.getByLabel('What a patient gets, in English (optional)').fill('A longer visit for several concerns.');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Nothing was saved.' })).toBeVisible();
  await expect(page.getByText('Please fill this in.')).toBeVisible();
  await expect(page.getByLabel('What a patient gets, in English (optional)')).toHaveValue('A longer visit for several concerns.');

  await page.getByLabel('Name in English').fill(renamed);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Changes' }).getByRole('listitem').filter({ hasText: renamed })).toHaveCount(1);
  await page.getByRole('link', { name: 'See its public price page' }).click();
  await expect(page.getByRole('heading', { level: 1, name: renamed })).toBeVisible();
  await expect(page.getByText('A longer visit for several concerns.')).toBeVisible();
});

test('an administrator corrects a cash price and a plan\'s rate: a refused form keeps what was typed, and the page and history follow', async ({ page }, testInfo) => {
  // Signing in can wait for a fresh code, and the catalogue may be another test's for a while.
  test.setTimeout(150_000);
  // Each project corrects its own service.
  const [code, name, cash, newCash, rate, newRate] = testInfo.project.name === 'js-on'
    ? ['73610', 'Ankle X-ray (3 views)', '133.00', '125.50', '114.00', '110.00']
    : ['76700', 'Abdominal ultrasound', '336.00', '320.25', '268.80', '260.00'];
  await signInWithCode(page, 'admin@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await exclusively('catalogue', async () => {
    await page.goto(`/prices?q=${code}`);
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('link', { name: 'Edit this service (administrators)' }).click();
    const charges = page.getByRole('region', { name: 'Charges and negotiated rates' });
    await expect(charges.getByLabel('Cash price')).toHaveValue(cash);

    // A fraction of a cent is refused, and what was typed stays.
    await charges.getByLabel('Cash price').fill('12.345');
    await charges.getByLabel('Lowest negotiated amount').fill('1');
    await charges.getByRole('button', { name: 'Save these charges' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Nothing was saved.' })).toBeVisible();
    await expect(charges.getByText('Use whole cents, such as 12.50.')).toBeVisible();
    await expect(charges.getByLabel('Cash price')).toHaveValue('12.345');
    await expect(charges.getByLabel('Lowest negotiated amount')).toHaveValue('1');

    await page.goto(page.url().split('?')[0]);
    await charges.getByLabel('Cash price').fill(newCash);
    await charges.getByRole('button', { name: 'Save these charges' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The earlier figures are kept' })).toBeVisible();
    await expect(charges.getByLabel('Cash price')).toHaveValue(newCash);

    // A plan's rate: with nothing left it is refused, then corrected.
    await charges.getByRole('link', { name: 'Change the rate for Prairie Mutual Health · PPO' }).click();
    const form = page.getByRole('form', { name: 'Rate for Prairie Mutual Health · PPO' });
    await expect(form.getByLabel('Negotiated amount')).toHaveValue(rate);
    await form.getByLabel('Negotiated amount').fill('');
    await form.getByRole('button', { name: 'Save this rate' }).click();
    await expect(form.getByText('A rate needs a dollar amount or a percentage.')).toBeVisible();
    await form.getByLabel('Negotiated amount').fill(newRate);
    await form.getByRole('button', { name: 'Save this rate' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The earlier figures are kept' })).toBeVisible();

    const history = page.getByRole('region', { name: 'Changes' }).getByRole('listitem');
    await expect(history.filter({ hasText: `Cash price: $${cash} → $${newCash}` })).toHaveCount(1);
    await expect(history.filter({ hasText: `Prairie Mutual Health · PPO · Negotiated amount: $${rate} → $${newRate}` })).toHaveCount(1);
    await page.getByRole('link', { name: 'See its public price page' }).click();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.getByText(`$${newCash}`).first()).toBeVisible();
    await expect(page.getByRole('row', { name: /Prairie Mutual Health · PPO/ })).toContainText(`$${newRate}`);
  });
});
