// Accessibility of the price pages, phone and desktop, in both languages: axe finds nothing and
// nothing scrolls sideways, including the table of every plan's rate and the import report.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

async function check(page: Page, path: string, width: number) {
  await page.goto(path);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${path} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  expect(results.violations.map((v) => `${path}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

for (const width of [320, 1280]) {
  for (const lang of ['en', 'es']) {
    test(`axe finds no violations on the price pages at ${width} px (${lang})`, async ({ page, context, baseURL }) => {
      test.setTimeout(90_000);
      await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/prices?q=45378');
      const item = await page.locator('.price-card a').first().getAttribute('href');
      const plan = await page.locator('#price-plan option').nth(1).getAttribute('value');
      for (const path of ['/prices', '/prices?drugs=1', `/prices?q=colonoscopy&plan=${plan}`, '/prices?q=zzzz', `${item}?plan=${plan}`, '/prices?q=99283']) {
        await check(page, path, width);
      }
    });
  }
}

test('axe finds no violations on the administrators\' price page with a report, phone and desktop', async ({ page }) => {
  // Several tests sign the administrator in, each on its own authenticator step.
  test.setTimeout(150_000);
  await signInWithCode(page, 'admin@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.goto('/admin/prices');
  await page.getByLabel('Standard charges file').setInputFiles({ name: 'not-prices.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'not-prices.csv: not imported' })).toBeVisible();
  const report = page.url();
  await page.goto('/prices?q=80061');
  const item = await page.locator('.price-card a').first().getAttribute('href');
  const editor = `/admin/prices/items/${item!.split('/').pop()}`;
  // The editor with a plan's rate opened for correction, and with a refused charge form.
  await page.goto(editor);
  const rate = await page.getByRole('link', { name: /^Change the rate for / }).first().getAttribute('href');
  await page.getByRole('region', { name: 'Charges and negotiated rates' }).getByLabel('Cash price').fill('1.234');
  await page.getByRole('button', { name: 'Save these charges' }).click();
  await expect(page.getByText('Use whole cents, such as 12.50.')).toBeVisible();
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await check(page, report, width);
    await check(page, editor, width);
    await check(page, rate!, width);
    // Another administrators' settings page, with a refused delay.
    await check(page, '/admin/records/release', width);
  }
});

for (const width of [320, 1280]) {
  for (const lang of ['en', 'es']) {
    test(`axe finds no violations on coverage and estimates at ${width} px (${lang})`, async ({ page, context, baseURL }) => {
      test.setTimeout(90_000);
      await page.goto('/sign-in');
      await page.getByLabel('Email address').fill('patient@example.org');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect(page).toHaveURL(/\/account$/);
      await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/prices?q=45378');
      const item = await page.locator('.price-card a').first().getAttribute('href');
      const maria = '00000000-0000-4000-8000-00000000a001';
      for (const path of [`/billing/coverage?patient=${maria}`, item!, `${item}/good-faith?patient=${maria}`]) {
        await check(page, path, width);
      }
    });
  }
}

test('axe finds no violations on the staff coverage form, phone and desktop', async ({ page }) => {
  // A fresh authenticator code can take up to 30 s.
  test.setTimeout(90_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await check(page, '/billing/coverage?patient=00000000-0000-4000-8000-00000000a004', width);
  }
});
