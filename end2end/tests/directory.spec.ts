// Find care, with JavaScript on and off: an administrator adds a location and a clinician (a
// refused save keeps what was typed), and a visitor finds the clinician by filters and opens
// their page and their location's. Plus the demo directory.
import { test, expect } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

test('an administrator adds a location and a clinician, and a visitor finds them by filters', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  const tag = `${testInfo.project.name.replace(/[^a-z]/g, '')}${Date.now() % 100000}`;
  const clinic = `Harbor Clinic ${tag}`;
  const person = `Valeria Quintero ${tag}`;
  await signInWithCode(page, 'admin@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Directory' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Find care directory' })).toBeVisible();

  await page.getByRole('link', { name: 'Add a location' }).click();
  await page.getByLabel('Name', { exact: true }).fill(clinic);
  await page.getByLabel('Street address').fill('5 Harbor Way');
  await page.getByLabel('City').fill('Riverbend');
  await page.getByLabel('State').fill('IL');
  await page.getByLabel('ZIP code').fill('61201');
  await page.getByLabel('Phone').fill('(555) 010-2900');
  await page.getByLabel('Time zone').fill('Chicago');
  const hours = page.getByRole('group', { name: 'Opening hours' });
  await hours.getByLabel('Monday').fill('8:00-12:00, 13:00-17:00');
  await hours.getByLabel('Saturday').fill('9am-1pm');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  // Refused: each field says what to do, and nothing typed is lost.
  await expect(page.getByRole('alert')).toContainText('Please check');
  await expect(page.getByText('Use a time zone name such as America/New_York.')).toBeVisible();
  await expect(page.getByText('Write hours like 8:00-17:00 (24-hour clock).')).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(clinic);
  await expect(hours.getByLabel('Monday')).toHaveValue('8:00-12:00, 13:00-17:00');
  await page.getByLabel('Time zone').fill('America/Chicago');
  await hours.getByLabel('Saturday').fill('9:00-13:00');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

  await page.getByRole('link', { name: 'Find care directory' }).click();
  await page.getByRole('link', { name: 'Add a clinician' }).click();
  await page.getByLabel('Name', { exact: true }).fill(person);
  await page.getByLabel('Credentials').fill('MD');
  await page.getByLabel('Short bio (English)').fill('Treats skin conditions in children and adults.');
  await page.getByRole('group', { name: /Specialties/ }).getByLabel('Dermatology').check();
  await page.getByRole('group', { name: 'Locations' }).getByLabel(clinic).check();
  await page.getByRole('group', { name: 'Visit types offered' }).getByLabel(/New patient visit/).check();
  await page.getByRole('group', { name: 'Languages spoken' }).getByLabel('Spanish', { exact: true }).check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: person })).toBeVisible();

  // A visitor filters the directory and finds them.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto('/');
  await visitor.getByRole('navigation', { name: 'Start here' }).getByRole('link', { name: /Find care/ }).click();
  await expect(visitor.getByRole('heading', { level: 1, name: 'Find care' })).toBeVisible();
  await visitor.getByLabel('Specialty').selectOption({ label: 'Dermatology' });
  await visitor.getByLabel('Language spoken').selectOption({ label: 'Spanish' });
  await visitor.getByLabel('Only clinicians accepting new patients').check();
  await visitor.getByRole('button', { name: 'Show clinicians' }).click();
  await expect(visitor).toHaveURL(/specialty=dermatology/);
  const results = visitor.getByRole('list', { name: 'Clinicians' });
  await results.getByRole('link', { name: `${person}, MD` }).click();
  await expect(visitor.getByRole('heading', { level: 1, name: `${person}, MD` })).toBeVisible();
  await expect(visitor.getByText('Accepting new patients')).toBeVisible();
  await expect(visitor.getByText('Treats skin conditions in children and adults.')).toBeVisible();
  await visitor.getByRole('link', { name: clinic }).click();
  await expect(visitor.getByRole('heading', { level: 1, name: clinic })).toBeVisible();
  const table = visitor.getByRole('table');
  await expect(table.getByRole('row', { name: /Monday/ })).toContainText('8:00 AM – 12:00 PM, 1:00 PM – 5:00 PM');
  await expect(table.getByRole('row', { name: /Sunday/ })).toContainText('Closed');
  await expect(visitor.getByRole('list', { name: 'Clinicians at this location' }).getByRole('link', { name: `${person}, MD` })).toBeVisible();
});

test('the demo directory: filters, a clinician in Spanish, a location with its hours', async ({ page, context, baseURL }) => {
  await page.goto('/find-care');
  const results = page.getByRole('list', { name: 'Clinicians' });
  await expect(results.getByRole('listitem')).toHaveCount(20);
  await expect(page.getByRole('navigation', { name: 'Pages' })).toBeVisible();
  await page.getByLabel('Language spoken').selectOption({ label: 'Spanish' });
  await page.getByRole('button', { name: 'Show clinicians' }).click();
  const spanish = await results.getByRole('listitem').count();
  expect(spanish).toBeGreaterThan(5);
  for (const item of await results.getByRole('listitem').all()) {
    await expect(item).toContainText('Spanish');
  }
  await page.getByRole('link', { name: 'Clear filters' }).first().click();
  await expect(page).toHaveURL(/\/find-care$/);

  await context.addCookies([{ name: 'lang', value: 'es', url: baseURL! }]);
  await page.goto('/find-care/clinicians/ana-maria-lopez');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Ana María López');
  await expect(page.getByText('Medicina familiar').first()).toBeVisible();
  await expect(page.getByText(/La Dra\. López atiende a familias enteras/)).toBeVisible();
  await context.clearCookies();

  await page.goto('/find-care/locations/main-campus-clinic');
  await expect(page.getByRole('heading', { level: 1, name: 'Riverbend Main Campus Clinic' })).toBeVisible();
  await expect(page.getByText(/^(Open|Closed) now$/)).toBeVisible();
  await expect(page.getByRole('row', { name: /Monday/ })).toContainText('7:30 AM – 6:00 PM');
  await expect(page.getByRole('link', { name: '(555) 010-2100' })).toHaveAttribute('href', 'tel:5550102100');

  const missing = await page.goto('/find-care/clinicians/no-such-person');
  expect(missing?.status()).toBe(404);
});
