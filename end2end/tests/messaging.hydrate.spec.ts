// Accessibility of the messaging pages, phone and desktop, in both languages: axe finds nothing
// and nothing scrolls sideways.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

test('axe finds no violations on the patient messaging pages, phone and desktop, both languages', async ({ page, context, baseURL }) => {
  test.setTimeout(120_000);
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/messages');
  const conversation = await page.getByRole('link', { name: 'Presión arterial alta en casa' }).getAttribute('href');
  for (const lang of ['en', 'es']) {
    await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
    for (const width of [320, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of ['/messages', '/messages/new', conversation!, '/notifications', '/me']) {
        await page.goto(path);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${path} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
        const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
        expect(results.violations.map((v) => `${lang} ${width} ${path}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      }
    }
  }
});

test('axe finds no violations on the staff inbox and a conversation, phone and desktop, both languages', async ({ page, context, baseURL }) => {
  test.setTimeout(120_000);
  await signInWithCode(page, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.goto('/staff/messages');
  const conversation = await page.getByRole('link', { name: 'Presión arterial alta en casa' }).getAttribute('href');
  for (const lang of ['en', 'es']) {
    await context.addCookies([{ name: 'lang', value: lang, url: baseURL! }]);
    for (const width of [320, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of ['/staff/messages', '/staff/messages?queue=mine&status=all', conversation!]) {
        await page.goto(path);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${path} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
        const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
        expect(results.violations.map((v) => `${lang} ${width} ${path}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      }
    }
  }
});
