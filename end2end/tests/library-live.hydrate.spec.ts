// The library's two islands (JavaScript on only; library.spec.ts covers the same pages without
// them): results appear as a visitor types, with the address kept in step, and the editor's
// preview follows the Body field, rendered and sanitised by the server.
import { test, expect } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

test('typing in the search box shows results without submitting and updates the address', async ({ page }) => {
  await page.goto('/library');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const box = page.getByRole('searchbox', { name: 'Search the health library' });

  // One character is not enough to search.
  await box.pressSequentially('b');
  await page.waitForTimeout(600);
  await expect(page.getByRole('list', { name: 'Search results' })).toHaveCount(0);

  await box.pressSequentially('lood pressure', { delay: 30 });
  const results = page.getByRole('list', { name: 'Search results' });
  await expect(results.getByRole('listitem').first()).toBeVisible();
  await expect(results.getByRole('link', { name: /blood pressure/i }).first()).toBeVisible();
  await expect(results.locator('mark').first()).toBeVisible();
  await expect(page.getByText(/\d+ results?\./)).toBeVisible();
  // Still the front page (nothing was submitted), but the address is the search's, to share.
  await expect(page.getByRole('heading', { level: 1, name: 'Health library' })).toBeVisible();
  await expect(page).toHaveURL(/\/library\/search\?q=blood(\+|%20)pressure$/);
  await expect(box).toBeFocused();

  // Emptying the box clears the results and puts the address back.
  await box.fill('');
  await expect(results).toHaveCount(0);
  await expect(page).toHaveURL(/\/library$/);

  // Enter still submits the form as before.
  await box.fill('diabetes');
  await box.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Search the health library' })).toBeVisible();
  await expect(page).toHaveURL(/\/library\/search\?q=diabetes/);
  await expect(page.getByRole('list', { name: 'Search results' }).getByRole('listitem').first()).toBeVisible();
});

test('on the search page, live results replace the ones the page was opened with', async ({ page }) => {
  await page.goto('/library/search?q=diabetes');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  // (The page's section is named by the same heading; the box is the searchbox.)
  const box = page.getByRole('searchbox', { name: 'Search the health library' });
  await box.fill('blood pressure');
  await expect(page).toHaveURL(/\/library\/search\?q=blood(\+|%20)pressure/);
  const results = page.getByRole('list', { name: 'Search results' });
  await expect(results).toHaveCount(1);
  await expect(results.getByRole('link', { name: /blood pressure/i }).first()).toBeVisible();
});

test('the editor preview follows the summary and body as they are typed, for a new article too', async ({ page }) => {
  test.setTimeout(90_000);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    void d.dismiss();
  });
  await signInWithCode(page, 'editor@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.goto('/editor');
  await page.getByRole('list', { name: 'Articles' }).getByRole('link').first().click();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const preview = page.getByRole('region', { name: /Preview of revision/ });
  await expect(preview).toBeVisible();

  await page.getByLabel('Body (Markdown)').fill('## Hello\n\nSome text. <script>alert(1)</script>');
  await expect(preview.getByRole('heading', { level: 2, name: 'Hello' })).toBeVisible();
  // Typed HTML comes back as text, never as an element.
  await expect(preview).toContainText('<script>alert(1)</script>');
  await expect(preview.locator('script')).toHaveCount(0);
  await expect(preview.getByText('Preview of your unsaved changes.').filter({ visible: true })).toBeVisible();
  await page.getByLabel('Summary').fill('A summary typed just now.');
  await expect(preview.locator('.lead')).toHaveText('A summary typed just now.');
  expect(dialogs).toBe(0);
  // Nothing was saved: leaving without saving keeps the stored revision.

  // A new article is previewed side by side too, summary and body.
  await page.goto('/editor/articles/new');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const blank = page.getByRole('region', { name: 'Preview' });
  await expect(blank).toContainText('The body appears here');
  await page.getByLabel('Summary').fill('What to pack for a hospital stay.');
  await expect(blank.locator('.lead')).toHaveText('What to pack for a hospital stay.');
  await page.getByLabel('Body (Markdown)').fill('## Your bag\n\n- Medicines\n- Glasses');
  await expect(blank.getByRole('heading', { level: 2, name: 'Your bag' })).toBeVisible();
  await expect(blank.getByRole('listitem')).toHaveCount(2);
  await expect(blank).not.toContainText('The body appears here');
});
