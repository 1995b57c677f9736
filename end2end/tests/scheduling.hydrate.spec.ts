// Accessibility of the booking pages, phone and desktop, in both languages: axe finds nothing
// and nothing scrolls sideways.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

for (const width of [320, 1280]) {
  for (const lang of ['en', 'es']) {
    test(`axe finds no violations on the booking pages at ${width} px (${lang})`, async ({ page, context, baseURL }) => {
      test.setTimeout(90_000);
      await signIn(page, 'patient@example.org', DEMO_PASSWORD);
      // A time and a visit, found in English before switching language.
      const when = /\d{1,2}:\d{2}/;
      await page.goto('/appointments/book');
      const confirm = await page.getByRole('link', { name: when }).first().getAttribute('href');
      await page.goto('/appointments');
      const visit = await page.getByRole('link', { name: when }).first().getAttribute('href');
      const visits = ['/appointments', '/appointments/book', confirm!, visit!];
      await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
      await page.setViewportSize({ width, height: 900 });
      for (const path of visits) {
        await page.goto(path);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${path} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
        const results = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
          .analyze();
        expect(results.violations.map((v) => `${path}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      }
    });
  }
}

test('axe finds no violations on the staff calendar and schedule set-up, phone and desktop, both languages', async ({ page, context, baseURL }) => {
  test.setTimeout(120_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  for (const lang of ['en', 'es']) {
    await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
    for (const width of [320, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of ['/staff/schedule?view=week', '/staff/schedule/setup']) {
        await page.goto(path);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${path} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
        const results = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
          .analyze();
        expect(results.violations.map((v) => `${lang} ${width} ${path}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      }
    }
  }
});
