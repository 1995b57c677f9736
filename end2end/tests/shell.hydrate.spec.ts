// With JavaScript on: islands hydrate, nothing trips the Content-Security-Policy, and axe finds
// no accessibility violations on any page at phone and desktop widths.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

async function watchCsp(page: Page) {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(msg.text())) violations.push(msg.text());
  });
  page.on('pageerror', (err) => violations.push(`page error: ${err.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      // Surfaced through the console listener above.
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return violations;
}

test('islands hydrate without any Content-Security-Policy violation', async ({ page }) => {
  const violations = await watchCsp(page);
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await page.getByRole('link', { name: 'Español' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  await page.goto('/missing');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
  expect(violations).toEqual([]);
});

const pages = [
  { name: 'home (English)', path: '/', lang: 'en' },
  { name: 'home (Spanish)', path: '/', lang: 'es' },
  { name: 'not found', path: '/missing', lang: 'en' },
  { name: 'sign in (English)', path: '/sign-in', lang: 'en' },
  { name: 'sign in (Spanish)', path: '/sign-in', lang: 'es' },
  { name: 'account, signed out', path: '/account', lang: 'en' },
  { name: 'sign up (English)', path: '/sign-up', lang: 'en' },
  { name: 'sign up (Spanish)', path: '/sign-up', lang: 'es' },
  { name: 'check your email', path: '/sign-up/check-email', lang: 'en' },
  { name: 'confirm email', path: '/verify-email?token=x', lang: 'es' },
  { name: 'forgot password', path: '/forgot-password', lang: 'en' },
  { name: 'reset password', path: '/reset-password?token=x', lang: 'en' },
];

for (const width of [320, 1280]) {
  for (const p of pages) {
    test(`axe finds no violations: ${p.name} at ${width} px`, async ({ page, context, baseURL }) => {
      await context.addCookies([{ name: 'lang', value: p.lang, url: baseURL! }]);
      await page.setViewportSize({ width, height: 900 });
      await page.goto(p.path);
      await expect(page.locator('html')).toHaveAttribute('lang', p.lang);
      const results = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
        .analyze();
      expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    });
  }
}

test('axe finds no violations on the signed-in staff pages, phone and desktop', async ({ page }) => {
  test.setTimeout(120_000);
  // One sign-in for every check: each authenticator code works once per account.
  await signInWithCode(page, 'admin@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of ['/account', '/account/two-factor', '/account/passkeys', '/admin/emails', '/admin/accounts', '/admin/canned-replies', '/admin/audit', '/admin/audit?action=session&outcome=failure', '/staff/patients', '/staff/patients?name=clark', '/staff/patients/00000000-0000-4000-8000-00000000a005']) {
      await page.goto(path);
      const results = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
        .analyze();
      expect(results.violations.map((v) => `${path} at ${width}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    }
  }
});

test('axe finds no violations on the household pages, phone and desktop', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill('patient@example.org');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of ['/me', '/me/people', '/me/access-log', '/me/link', '/proxy/accept?token=x', '/sign-in/code']) {
      await page.goto(path);
      const results = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
        .analyze();
      expect(results.violations.map((v) => `${path} at ${width}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    }
  }
});
