// Sharing part of the record by a SMART Health Link, with JavaScript on and off on the patient's
// side: a too-short passcode is refused with the rest of the form kept, then the link is made
// with its QR code; a clinician opens it in a second browser (a fresh context: no session, no
// cookies) with her name and the passcode, after one wrong try; the patient sees who opened it
// and withdraws it, and the clinician's next try finds it gone. The viewer itself needs
// JavaScript (the key is in the address's fragment) and says so without it.
import { test, expect } from '@playwright/test';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD } from '../support/totp';

test('a link is made, opened elsewhere with its passcode, seen in the list and withdrawn', async ({ page, browser, baseURL }, testInfo) => {
  test.setTimeout(90_000);
  const label = `For Dr. Lee ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/records');
  await page.getByRole('navigation', { name: 'Health record' }).getByRole('link', { name: 'Share' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Share your record' })).toBeVisible();

  const form = page.getByRole('form', { name: 'Make a new link' });
  await form.getByLabel('Name for this link').fill(label);
  await form.getByRole('checkbox', { name: 'Medications' }).uncheck();
  await form.getByLabel('Works for').selectOption('1');
  await form.getByLabel('Passcode (optional)').fill('123');
  await form.getByRole('button', { name: 'Make link' }).click();
  await expect(page.getByText('Use at least 6 characters, or leave it empty.')).toBeVisible();
  // What was typed and chosen is kept; the passcode is not.
  await expect(form.getByLabel('Name for this link')).toHaveValue(label);
  await expect(form.getByRole('checkbox', { name: 'Medications' })).not.toBeChecked();
  await expect(form.getByRole('checkbox', { name: 'Conditions' })).toBeChecked();
  await expect(form.getByLabel('Works for')).toHaveValue('1');
  await form.getByLabel('Passcode (optional)').fill('sunflower7');
  await form.getByRole('button', { name: 'Make link' }).click();

  await expect(page.getByText(`Your link “${label}” is ready.`)).toBeVisible();
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3, name: label }) });
  await expect(card.getByText('Working', { exact: true })).toBeVisible();
  await expect(card.getByText('Shares: Conditions, Allergies, Immunizations')).toBeVisible();
  await expect(card.getByRole('img', { name: `QR code for the link “${label}”` })).toBeVisible();
  const url = await card.getByLabel('Link address').inputValue();
  expect(url).toMatch(/\/share#shlink:\/[A-Za-z0-9_-]+$/);
  await expect(card.getByText('Nobody has opened this link yet.')).toBeVisible();

  // The clinician: another browser, never signed in, with JavaScript.
  const elsewhere = await browser.newContext({ javaScriptEnabled: true, baseURL });
  const viewer = await elsewhere.newPage();
  await viewer.goto(url);
  await expect(viewer.getByRole('heading', { level: 1, name: 'Shared health record' })).toBeVisible();
  await expect(viewer.getByText(`Shared: ${label}`)).toBeVisible();
  await viewer.getByLabel('Your name').fill('Dr. Ana Lee');
  await viewer.getByLabel('Passcode').fill('sunflower');
  await viewer.getByRole('button', { name: 'Open record' }).click();
  await expect(viewer.locator('#shl-status')).toHaveText('That passcode is not right. 4 tries left.');
  await viewer.getByLabel('Passcode').fill('sunflower7');
  await viewer.getByRole('button', { name: 'Open record' }).click();
  await expect(viewer.locator('#shl-status')).toHaveText('Record opened.');
  await expect(viewer.getByRole('heading', { level: 2, name: 'Maria Garcia' })).toBeVisible();
  await expect(viewer.getByRole('region', { name: 'Conditions' }).getByText('Type 2 diabetes mellitus')).toBeVisible();
  await expect(viewer.getByRole('region', { name: 'Allergies' }).getByText('Penicillin')).toBeVisible();
  await expect(viewer.getByRole('region', { name: 'Medications' })).toHaveCount(0);

  // The patient sees both tries, then withdraws the link.
  await page.reload();
  await expect(card.getByText(/Dr\. Ana Lee · opened$/)).toBeVisible();
  await expect(card.getByText(/Dr\. Ana Lee · wrong passcode$/)).toBeVisible();
  await card.getByRole('button', { name: `Withdraw link: ${label}` }).click();
  await expect(card.getByText('Withdrawn', { exact: true })).toBeVisible();
  await expect(card.getByLabel('Link address')).toHaveCount(0);

  await viewer.reload();
  await viewer.getByLabel('Your name').fill('Dr. Ana Lee');
  await viewer.getByLabel('Passcode').fill('sunflower7');
  await viewer.getByRole('button', { name: 'Open record' }).click();
  await expect(viewer.locator('#shl-status')).toContainText('This link no longer works');
  await expect(viewer.getByRole('region', { name: 'Conditions' })).toHaveCount(0);
  await elsewhere.close();
});

test('the viewer says what it needs when a link is incomplete or JavaScript is off', async ({ page }, testInfo) => {
  await page.goto('/share#shlink:/not-a-link');
  await expect(page.getByRole('heading', { level: 1, name: 'Shared health record' })).toBeVisible();
  if (testInfo.project.name === 'js-off') {
    await expect(page.getByText(/Opening a shared record needs JavaScript/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Open record' })).toBeHidden();
  } else {
    await expect(page.locator('#shl-status')).toHaveText('This link is incomplete. Ask the person who shared it to send it again.');
  }
});
