// Secure messaging, with JavaScript on and off: the demo patient keeps a draft, writes to her
// care team with a photo attached (a file that only looks like one is refused first, keeping
// her text), her navigator (the demo staff member) downloads the photo and answers with a canned
// reply filled in for her and sets the request to "waiting for you"; she sees the reply and the
// new status, and the email she gets says only that a message is waiting.
// The two projects run side by side on the same demo data, so each writes its own subject.
import { test, expect } from '@playwright/test';
import { signIn } from '../support/accounts';
import { messageTo } from '../support/mail';
import { DEMO_PASSWORD, DEMO_STAFF_KEY, signInWithCode } from '../support/totp';

// A 1 × 1 PNG, as a photo from a phone would be (smaller).
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

test('a patient writes to her care team, staff answer with a canned reply, and she sees it and its status', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  const subject = `Dizzy after the new tablets ${testInfo.project.name} ${Date.now() % 100000}`;
  const words = 'Since Monday I feel dizzy in the mornings after the new tablets.';
  const since = Date.now();
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Messages' })).toBeVisible();
  await expect(page.getByText('Sam Okafor').first()).toBeVisible();
  await page.getByRole('link', { name: 'Write to your care team' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Write to your care team' })).toBeVisible();

  // A draft keeps what was typed.
  await page.getByLabel('A question for my clinician').check();
  await page.getByLabel('Subject').fill(subject);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByRole('status')).toContainText('Draft saved');
  await page.getByRole('link', { name: 'Continue writing' }).click();
  await expect(page.getByLabel('Subject')).toHaveValue(subject);
  await expect(page.getByLabel('A question for my clinician')).toBeChecked();

  await page.getByLabel('Your message').fill(words);
  // A page named like a photo is refused by its content; what she typed stays.
  const attach = page.getByLabel('Attach photos or PDF files (optional)');
  await attach.setInputFiles({ name: 'rash.png', mimeType: 'image/png', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Only photos (JPEG, PNG or WebP) and PDF files can be attached.');
  await expect(page.getByLabel('Subject')).toHaveValue(subject);
  await expect(page.getByLabel('Your message')).toHaveValue(words);
  await attach.setInputFiles({ name: 'rash.png', mimeType: 'image/png', buffer: PHOTO });
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Sent');
  await expect(page.getByText(words)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Attached files' })).toContainText('Photo · 1 KB');
  await expect(page.getByText('Not read yet')).toBeVisible();
  const conversation = new URL(page.url()).pathname;

  // Her navigator answers from the inbox with a canned reply, filled in for her in Spanish.
  const staffContext = await browser.newContext({ javaScriptEnabled: testInfo.project.name === 'js-on' });
  const staff = await staffContext.newPage();
  await signInWithCode(staff, 'staff@example.org', DEMO_PASSWORD, DEMO_STAFF_KEY);
  await staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
  await expect(staff.getByRole('heading', { level: 1, name: 'Messages inbox' })).toBeVisible();
  await staff.getByRole('link', { name: /Assigned to me/ }).click();
  await staff.getByRole('link', { name: subject }).click();
  await expect(staff.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await expect(staff.getByRole('complementary', { name: 'About the patient' })).toContainText('Maria Garcia');
  // The photo downloads as a file, never opened as a page.
  const [download] = await Promise.all([
    staff.waitForEvent('download'),
    staff.getByRole('link', { name: 'Download rash.png' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('rash.png');
  await staff.getByRole('link', { name: 'Please call us' }).click();
  await expect(staff.getByLabel('Reply')).toHaveValue(/^Hola, Maria: es más fácil/);
  await staff.getByLabel('Then set the status to').selectOption('waiting');
  await staff.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(staff.getByRole('status')).toContainText('Sent');
  await staffContext.close();

  // She sees the reply, that it waits for her, and that her message was read.
  await page.goto(conversation);
  await expect(page.getByText('es más fácil resolverlo por teléfono')).toBeVisible();
  await expect(page.getByText('Your care team is waiting for your answer.')).toBeVisible();
  await expect(page.getByText(/^Read /)).toBeVisible();
  const email = await messageTo('patient@example.org', since, conversation);
  expect(email).not.toContain(subject);
  expect(email).not.toContain('dizzy');
  expect(email).not.toContain('teléfono');

  // Her answer puts the request back in the care team's hands.
  await page.getByLabel('Reply').fill('I will call this afternoon, thank you.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('Sent');
  await expect(page.getByText('In progress').first()).toBeVisible();
});
