// Booking, with JavaScript on and off: the demo patient searches open times, books one with a
// reason, downloads the calendar file, moves the visit and cancels it, each change emailed with
// an invitation; a time someone else takes first is explained and the typed reason kept; and an
// earlier time freed by a cancellation is offered from the waitlist and taken.
// The two projects run side by side on the same demo data, so each uses its own clinician and
// its own weeks.
import { test, expect, type Page } from '@playwright/test';
import { signIn } from '../support/accounts';
import { messageTo } from '../support/mail';
import { DEMO_PASSWORD } from '../support/totp';

const TIME = /^[A-Za-zé]+, .+ \d{1,2}:\d{2}( AM| PM)? [A-Z]{2,5}, /;

function day(offset: number): string {
  const d = new Date(Date.now() + offset * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** Opens "Book a visit" and shows the open times of the `clinician`-th clinician from `from`. */
async function searchTimes(page: Page, clinician: number, from: number) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visits' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Visits' })).toBeVisible();
  await page.getByRole('link', { name: 'Book a visit' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Book a visit' })).toBeVisible();
  await page.getByText('Specialty, clinician, location, language').click();
  await page.getByLabel('Clinician', { exact: true }).selectOption({ index: clinician });
  await page.getByLabel('From', { exact: true }).fill(day(from));
  await page.getByLabel('To', { exact: true }).fill(day(from + 6));
  await page.getByRole('button', { name: 'Show open times' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Open times' })).toBeVisible();
}

/** The open-time links in the day-by-day list (not the first-available or preferred ones). */
function listedTimes(page: Page) {
  return page.getByRole('list').filter({ has: page.getByRole('link', { name: TIME }) }).last().getByRole('link', { name: TIME });
}

test('a patient books a visit with a reason, gets its calendar file, moves it and cancels it', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const js = testInfo.project.name === 'js-on';
  const reason = `Knee pain after running ${Date.now() % 100000}`;
  const since = Date.now();
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await searchTimes(page, js ? 3 : 4, js ? 20 : 27);

  await page.getByRole('link', { name: TIME }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Confirm your visit' })).toBeVisible();
  await page.getByLabel('Reason for the visit (optional)').fill(reason);
  await page.getByRole('button', { name: 'Book this time' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your visit' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Your visit is booked');
  await expect(page.getByText(reason)).toBeVisible();

  // The calendar file: the visit, never the reason.
  const href = await page.getByRole('link', { name: 'Add to calendar' }).getAttribute('href');
  expect(href).toMatch(/\/appointments\/[0-9a-f-]+\/visit\.ics$/);
  const ics = await (await page.request.get(href!)).text();
  expect(ics.startsWith('BEGIN:VCALENDAR')).toBe(true);
  expect(ics).toContain('METHOD:PUBLISH');
  expect(ics).not.toContain('Knee');
  // The confirmation email carries an invitation.
  const booked = await messageTo('patient@example.org', since, 'method=REQUEST');
  expect(booked).not.toContain(reason);

  // Move it to another time: the same visit, an updated invitation.
  const visitUrl = page.url().split('?')[0];
  await page.getByRole('link', { name: 'Move to another time' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a new time' })).toBeVisible();
  await listedTimes(page).last().click();
  await page.getByRole('button', { name: 'Move my visit to this time' }).click();
  await expect(page.getByRole('status')).toContainText('Your visit has moved');
  expect(page.url().split('?')[0]).toBe(visitUrl);

  // Cancel it, after saying yes.
  await page.getByRole('link', { name: 'Cancel this visit' }).click();
  await page.getByRole('button', { name: 'Yes, cancel the visit' }).click();
  await expect(page.getByRole('status')).toContainText('Your visit is cancelled');
  await expect(page.getByText('Cancelled', { exact: true })).toBeVisible();
  await messageTo('patient@example.org', since, 'method=CANCEL');
});

test('a time taken by someone else first is explained and the typed reason is kept', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const js = testInfo.project.name === 'js-on';
  const first = await (await browser.newContext()).newPage();
  const second = await (await browser.newContext({ javaScriptEnabled: js })).newPage();
  for (const p of [first, second]) await signIn(p, 'patient@example.org', DEMO_PASSWORD);
  await searchTimes(first, js ? 5 : 6, js ? 34 : 41);
  const time = first.getByRole('link', { name: TIME }).first();
  const confirm = await time.getAttribute('href');
  await second.goto(confirm!);
  await second.getByLabel('Reason for the visit (optional)').fill('Dolor de espalda');
  await first.goto(confirm!);
  await first.getByRole('button', { name: 'Book this time' }).click();
  await expect(first.getByRole('status')).toContainText('Your visit is booked');

  await second.getByRole('button', { name: 'Book this time' }).click();
  await expect(second.getByRole('alert')).toContainText('That time was just taken by someone else');
  await second.getByRole('link', { name: 'Choose another time' }).click();
  await listedTimes(second).last().click();
  await expect(second.getByLabel('Reason for the visit (optional)')).toHaveValue('Dolor de espalda');
});

test('an earlier time freed by a cancellation is offered from the waitlist and taken', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const js = testInfo.project.name === 'js-on';
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  const clinician = js ? 7 : 8;
  const from = js ? 48 : 55;
  // An early visit and a late one with the same clinician on the same day.
  await searchTimes(page, clinician, from);
  const times = listedTimes(page);
  const earlyHref = await times.first().getAttribute('href');
  const lateHref = await times.last().getAttribute('href');
  await page.goto(lateHref!);
  await page.getByRole('button', { name: 'Book this time' }).click();
  await expect(page.getByRole('status')).toContainText('Your visit is booked');
  const late = page.url().split('?')[0];
  await page.getByRole('button', { name: 'Ask for an earlier time' }).click();
  await expect(page.getByRole('status')).toContainText('You are on the waitlist');
  await page.goto(earlyHref!);
  await page.getByRole('button', { name: 'Book this time' }).click();
  await expect(page.getByRole('status')).toContainText('Your visit is booked');

  // Cancelling the early one frees it; the worker offers it to the waiting visit.
  await page.getByRole('link', { name: 'Cancel this visit' }).click();
  await page.getByRole('button', { name: 'Yes, cancel the visit' }).click();
  await expect(page.getByRole('status')).toContainText('Your visit is cancelled');
  await expect(async () => {
    await page.goto(late);
    await expect(page.getByText('An earlier time is open')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Take this time' }).click();
  await expect(page.getByRole('status')).toContainText('Your visit has moved');
  expect(page.url().split('?')[0]).toBe(late);
});
