// The health library, with JavaScript on and off: an editor writes an article and sends it for
// review, a medical reviewer approves it, the editor publishes it, and a visitor finds it in
// search and reads it with its trust signals. Plus the public pages of the demo library.
import { test, expect } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';
import { gradientPng } from '../support/png';

test('an editor writes, a reviewer approves, and the article is public and found by search', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  // Letters only, so full-text search sees one word; different per project and run.
  const word = `zorbling${testInfo.project.name.replace(/[^a-z]/g, '')}${String.fromCharCode(97 + (Date.now() % 26))}`;
  await signInWithCode(page, 'editor@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Editorial' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Editorial' })).toBeVisible();
  await page.getByRole('link', { name: 'New article', exact: true }).click();

  // A problem in the form keeps everything typed.
  await page.getByLabel('Title', { exact: true }).fill(`Staying hydrated ${word}`);
  await page.getByLabel('Body (Markdown)').fill(`## Why water matters\n\nDrink water through the day. ${word}.`);
  await page.getByRole('button', { name: 'Save revision' }).last().click();
  await expect(page.getByRole('alert')).toContainText('Please check');
  await expect(page.getByText('This is required.')).toBeVisible();
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue(`Staying hydrated ${word}`);
  await expect(page.getByLabel('Body (Markdown)')).toHaveValue(/Drink water through the day/);

  await page.getByLabel('Summary').fill('How much to drink and when.');
  await page.getByLabel('Tags').fill('water, healthy habits');
  await page.getByRole('button', { name: 'Save revision' }).last().click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as a new revision' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Why water matters' })).toBeVisible();
  const articleUrl = page.url().split('?')[0];
  await page.getByRole('button', { name: 'Send for medical review' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Sent for medical review' })).toBeVisible();

  // Not public yet.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`/library/search?q=${word}`);
  await expect(visitor.getByRole('heading', { level: 1, name: 'Search the health library' })).toBeVisible();
  // (The other project's article may be found by typo correction; this one must not be.)
  await expect(visitor.getByRole('link', { name: `Staying hydrated ${word}` })).toHaveCount(0);

  // The medical reviewer approves it.
  const reviewer = await (await browser.newContext()).newPage();
  await signInWithCode(reviewer, 'reviewer@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await reviewer.goto(articleUrl);
  await reviewer.getByRole('button', { name: 'Approve revision 1' }).click();
  await expect(reviewer.getByRole('status').filter({ hasText: 'Approved' })).toBeVisible();

  // The editor publishes it now.
  await page.goto(articleUrl);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Published' })).toBeVisible();

  // A visitor finds it, with the matched word marked, and reads it.
  await visitor.goto('/library');
  await visitor.getByLabel('Search the health library').fill(word);
  await visitor.getByRole('button', { name: 'Search', exact: true }).click();
  const results = visitor.getByRole('list', { name: 'Search results' });
  await expect(results.getByRole('listitem')).toHaveCount(1);
  await expect(results.locator('mark')).toHaveText(word);
  await results.getByRole('link', { name: `Staying hydrated ${word}` }).click();
  await expect(visitor.getByRole('heading', { level: 1, name: `Staying hydrated ${word}` })).toBeVisible();
  await expect(visitor.getByRole('note').first()).toContainText('Medically reviewed by Dr. Daniel Kim');
  await expect(visitor.getByText('Written by Priya Shah')).toBeVisible();
});

test('the demo library: topics, an article in both languages, a typo corrected', async ({ page }) => {
  await page.goto('/library');
  await expect(page.getByRole('heading', { level: 1, name: 'Health library' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Featured' }).getByRole('listitem')).toHaveCount(6);
  await page.getByRole('navigation', { name: 'Topics' }).getByRole('link', { name: 'Heart health' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Heart health' })).toBeVisible();

  await page.goto('/library/understanding-high-blood-pressure');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('blood pressure');
  await expect(page.getByRole('heading', { level: 2, name: 'Sources' })).toBeVisible();
  await page.getByRole('link', { name: 'Leer en español' }).click();
  await expect(page.locator('article')).toHaveAttribute('lang', 'es');
  await expect(page.getByRole('link', { name: 'Read in English' })).toBeVisible();

  await page.goto('/library/search?q=diabetis');
  await expect(page.getByRole('status')).toContainText('Showing results for "diabet');
  await expect(page.getByRole('list', { name: 'Search results' }).getByRole('listitem').first()).toBeVisible();

  const missing = await page.goto('/library/no-such-article');
  expect(missing?.status()).toBe(404);
});

test('uploading a hero image from the article form keeps everything typed', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const title = `Walking after meals ${testInfo.project.name} ${Date.now()}`;
  await signInWithCode(page, 'editor@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await page.goto('/editor/articles/new');
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Summary').fill('Ten minutes helps.');
  await page.getByLabel('Body (Markdown)').fill('A short **walk** after eating.');
  await page.getByLabel('Upload an image').setInputFiles({ name: 'walk.png', mimeType: 'image/png', buffer: gradientPng(800, 450) });
  await page.getByRole('button', { name: 'Upload image' }).click();

  await expect(page.getByRole('status').filter({ hasText: 'Image uploaded' })).toBeVisible();
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue(title);
  await expect(page.getByLabel('Summary')).toHaveValue('Ten minutes helps.');
  await expect(page.getByLabel('Body (Markdown)')).toHaveValue('A short **walk** after eating.');
  await expect(page.getByLabel('Show this image at the top of the article')).toBeChecked();
  // The kept body is already previewed.
  await expect(page.getByRole('region', { name: 'Preview' }).locator('strong')).toHaveText('walk');

  // Without a description the image cannot be saved; with one it can.
  await page.getByRole('button', { name: 'Save revision' }).first().click();
  await expect(page.getByRole('alert').first()).toContainText('Please check');
  await expect(page.getByLabel('Title', { exact: true })).toHaveValue(title);
  await page.getByLabel('Image description (alt text)').fill('Two people walking on a path');
  await page.getByRole('button', { name: 'Save revision' }).first().click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as a new revision' })).toBeVisible();
  await expect(page.getByLabel('Show this image at the top of the article')).toBeChecked();
  await expect(page.getByLabel('Image description (alt text)')).toHaveValue('Two people walking on a path');
});
