// Accessibility of the records pages, phone and desktop, in both languages: axe finds nothing
// and nothing scrolls sideways (the results tables scroll inside their own region if needed).
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD } from '../support/totp';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

test('axe finds no violations on the records pages, phone and desktop, both languages', async ({ page, context, baseURL }) => {
  test.setTimeout(180_000);
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  // Two trends by their links (the addresses carry opaque ids): a result from the results page
  // and blood pressure (two lines) from the summary's vital signs.
  const trends: string[] = [];
  for (const [from, test] of [['/records/results', 'Hemoglobin A1c'], ['/records', 'Blood pressure panel']]) {
    await page.goto(from);
    const link = page.getByRole('link', { name: `See how it has changed: ${test}`, exact: true }).first();
    trends.push((await link.getAttribute('href'))!);
  }
  const renewal = (await page.getByRole('link', { name: /^Ask for a renewal: / }).first().getAttribute('href'))!;
  for (const lang of ['en', 'es']) {
    await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
    for (const width of [320, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of ['/records', '/records/results', ...trends, '/records/visits', '/records/care-plan', '/records/documents', '/records/import', '/records/readings', renewal, '/records/share', '/share']) {
        await page.goto(path);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${path} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
        const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
        expect(results.violations.map((v) => `${lang} ${width} ${path}: ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      }
    }
  }
});
