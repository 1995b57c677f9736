// Accessibility of the home page and the public Find care pages, phone and desktop, in both
// languages: axe finds nothing and nothing scrolls sideways.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const pages = [
  '/',
  '/find-care',
  '/find-care?speaks=es&accepting=1',
  '/find-care?specialty=cardiology&location=no-such-place',
  '/find-care/clinicians/ana-maria-lopez',
  '/find-care/locations/main-campus-clinic',
];

for (const width of [320, 1280]) {
  for (const lang of ['en', 'es']) {
    test(`axe finds no violations on the home and Find care pages at ${width} px (${lang})`, async ({ page, context, baseURL }) => {
      test.setTimeout(90_000);
      await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
      await page.setViewportSize({ width, height: 900 });
      for (const path of pages) {
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
