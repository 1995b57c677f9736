// Two server processes on different ports share one database and keep no state of their own:
// either one serves any request, and a choice made through one is honoured by the other.
import { test, expect } from '@playwright/test';

const second = process.env.PORTAL_SECOND_URL ?? 'http://127.0.0.1:3002';

test('a second process serves the same portal and honours the language chosen on the first', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Español' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');

  // Cookies are per host, not per port: the second process receives the same choice.
  await page.goto(`${second}/`);
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page.getByRole('contentinfo')).toContainText('Riverbend Health');
  const ready = await page.request.get(`${second}/readyz`);
  expect(ready.status()).toBe(200);
});
