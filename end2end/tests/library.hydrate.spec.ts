// Accessibility of the public health library pages, phone and desktop, in both languages.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const pages = [
  '/library',
  '/library/search?q=blood+pressure',
  '/library/search?q=',
  '/library/topics/heart-health',
  '/library/understanding-high-blood-pressure',
  '/library/entender-la-presion-arterial-alta',
];

for (const width of [320, 1280]) {
  for (const lang of ['en', 'es']) {
    test(`axe finds no violations on the library pages at ${width} px (${lang})`, async ({ page, context, baseURL }) => {
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
