// The idle-timeout warning, with the browser's clock under the test's control: it appears two
// minutes before a patient's 30-minute idle timeout, counts down, takes focus so one key press
// answers it, "Stay signed in" pushes the end back, and when time runs out the page reloads to
// show what the server decided.
import { test, expect } from '@playwright/test';
import { newPatient, signIn } from '../support/accounts';

test('the idle warning counts down, keeps the session, and reloads at the end', async ({ page }) => {
  await page.clock.install();
  const email = await newPatient(page, 'idle');
  await signIn(page, email);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const banner = page.getByRole('alert').filter({ hasText: 'you will be signed out in' });
  const stay = page.getByRole('button', { name: 'Stay signed in' });
  await expect(banner).toBeHidden();

  await page.clock.fastForward('27:30');
  await expect(banner).toBeHidden();
  await page.clock.fastForward('01:00');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(/[01]:\d\d/);
  await expect(stay).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(banner).toBeHidden();

  // The end moved back by a whole timeout: nothing to say 27 minutes later either.
  await page.clock.fastForward('27:00');
  await expect(banner).toBeHidden();
  const reloaded = page.waitForEvent('load');
  await page.clock.fastForward('04:00');
  await reloaded;
  // The server's clock did not move, so the reloaded page is still signed in.
  await expect(page.getByText('Signed in as Rosa Delgado')).toBeVisible();
});
