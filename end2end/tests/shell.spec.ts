// The portal shell, with JavaScript on and off (see the two projects in playwright.config.ts).
import { test, expect } from '@playwright/test';

test('the home page says what the portal is, in English, with landmarks and a skip link', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/Riverbend Health/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1, name: 'Your care, in one place' })).toBeVisible();
  await expect(page.getByRole('banner')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('main')).toBeVisible();
  await expect(page.getByRole('contentinfo')).toContainText('In an emergency, call 911');
  await expect(page.getByRole('link', { name: 'Call us: (555) 010-2000' }).first()).toHaveAttribute('href', 'tel:5550102000');

  // The skip link is the first thing a keyboard reaches, and it is visible when focused.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
});

test('the language switch is a plain link that works both ways', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Español' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page.getByRole('heading', { level: 1, name: 'Su atención médica, en un solo lugar' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Principal' })).toBeVisible();

  // The choice sticks across pages, including the not-found page.
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { level: 1, name: 'Página no encontrada' })).toBeVisible();

  await page.getByRole('link', { name: 'English' }).click();
  await expect(page).toHaveURL(/\/no-such-page$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
});

test('an unknown address shows the not-found page with a way home', async ({ page }) => {
  const response = await page.goto('/definitely/not/here');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your care, in one place' })).toBeVisible();
});

for (const width of [320, 375, 768, 1280, 1440]) {
  test(`no horizontal scrolling at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 800 });
    for (const path of ['/', '/missing', '/sign-in', '/account', '/sign-up', '/forgot-password', '/reset-password?token=x', '/me/link', '/proxy/accept?token=x']) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${path} at ${width} px`).toBeLessThanOrEqual(0);
    }
  });
}

test('links and buttons are at least 24 px in both directions', async ({ page }) => {
  await page.setViewportSize({ width: 320, height: 800 });
  await page.goto('/');
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('a, button')]
      .filter((el) => !el.classList.contains('skip-link'))
      .map((el) => ({ text: el.textContent?.trim(), box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width < 24 || box.height < 24)
      .map(({ text }) => text),
  );
  expect(small).toEqual([]);
});
