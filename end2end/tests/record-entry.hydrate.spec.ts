// Accessibility of staff's record-writing pages, phone and desktop, in both languages: the
// summary and results as staff see them (add and correct links, held results), each kind's
// form, a correction with its history, the documents page with its upload form open, the
// visits and care plan pages with staff's tools, and a care plan's form with its tasks.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const MARIA = '00000000-0000-4000-8000-00000000a001';

test('axe finds no violations on the pages where staff write the record', async ({ page, context, baseURL }) => {
  test.setTimeout(420_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.goto(`/records?patient=${MARIA}`);
  const correction = (await page.getByRole('link', { name: /^Correct: / }).first().getAttribute('href'))!;
  await page.goto(`/records/care-plan?patient=${MARIA}`);
  const plan = (await page.getByRole('region', { name: 'Tasks' }).getByRole('link', { name: /^Correct: / }).first().getAttribute('href'))!;
  const kinds = ['condition', 'allergy', 'medication', 'immunization', 'result', 'visit', 'goal', 'plan', 'team'].map((k) => `/records/entry?patient=${MARIA}&kind=${k}`);
  for (const lang of ['en', 'es']) {
    await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
    for (const width of [320, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of [`/records?patient=${MARIA}`, `/records/results?patient=${MARIA}`, ...kinds, correction, `/records/documents?patient=${MARIA}`,
        `/records/visits?patient=${MARIA}`, `/records/care-plan?patient=${MARIA}`, plan]) {
        await page.goto(path);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        // Open every disclosure (the upload form, "entered in error") so its fields are checked too.
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${path} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
        const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
        expect(results.violations.map((v) => `${lang} ${width} ${path}: ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      }
    }
  }
});
