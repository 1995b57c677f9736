// Live updates across two server processes (JavaScript on; without it the pages work by
// reloading, which messaging.spec.ts covers): the staff inbox open on one process shows a
// patient's new request as it arrives through the other; her conversation page open on one
// process shows the reply and the new status sent through the other, without reloading; and
// her reading it shows on the staff member's page as a read receipt.
import { test, expect, type Page } from '@playwright/test';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

const second = process.env.PORTAL_SECOND_URL ?? 'http://127.0.0.1:3002';

// Opens `url` and waits until its event stream is listening; marks the document so a reload
// would show (the mark would be gone).
async function openLive(page: Page, url: string) {
  await page.goto(url);
  await expect(page.locator('html')).toHaveAttribute('data-live', 'ready');
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
}

async function stillTheSamePage(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
}

test('a request and its reply appear live on pages served by the other process', async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const subject = `Swollen ankles ${Date.now() % 100000}`;
  const reply = 'Please keep your feet up and call us if it gets worse.';

  // The navigator's own list, open on the second process.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signInWithCode(staff, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await openLive(staff, `${second}/staff/messages?queue=mine`);
  await expect(staff.getByRole('link', { name: subject })).toHaveCount(0);

  // The patient writes through the first.
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/messages/new');
  await page.getByLabel('A question for my clinician').check();
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Your message').fill('My ankles have been swollen since the weekend.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  const conversation = new URL(page.url()).pathname;

  // It appears in the inbox without a reload, and the change is announced politely.
  await expect(staff.getByRole('link', { name: subject })).toBeVisible();
  await expect(staff.locator('#live-status')).toHaveText('Updated just now.');
  await stillTheSamePage(staff);

  // She keeps her conversation open on the second process; the navigator answers through the
  // first and sets the request to "waiting for you".
  await openLive(page, `${second}${conversation}`);
  await expect(page.getByText('Not read yet')).toBeVisible();
  await staff.goto(`${baseURL}/staff${conversation}`);
  await expect(staff.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await expect(staff.locator('html')).toHaveAttribute('data-live', 'ready');
  await staff.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await staff.getByLabel('Reply').fill(reply);
  await staff.getByLabel('Then set the status to').selectOption('waiting');
  await staff.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(staff.getByRole('status')).toContainText('Sent');
  await staff.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

  // Her page shows the reply and the status as they happen.
  await expect(page.getByText(reply)).toBeVisible();
  await expect(page.getByText('Your care team is waiting for your answer.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Messages' }).getByRole('listitem')).toHaveCount(2);
  await stillTheSamePage(page);
  // What she was typing is untouched by the update.
  await page.getByLabel('Reply').fill('Thank you,');
  await staff.getByLabel('Reply').fill('One more thing: bring your medicines.');
  await staff.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(staff.getByRole('status')).toContainText('Sent');
  await staff.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await expect(page.getByText('One more thing: bring your medicines.')).toBeVisible();
  await expect(page.getByLabel('Reply')).toHaveValue('Thank you,');

  // Her reading it shows on the staff page, live: the read receipt of the reply.
  await expect(staff.getByText(/^Read /).first()).toBeVisible();
  await stillTheSamePage(staff);
  await staffContext.close();
});
