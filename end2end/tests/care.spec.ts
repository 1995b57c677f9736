// Visits and the care plan, with JavaScript on and off: the demo patient reads her past visits
// with the after-visit summaries her clinician wrote, then her care plan (primary contact,
// goals, care team) and marks an overdue task done and back; every change names who made it.
// Each project marks a task in a different person's plan (Maria's own with JavaScript on, Elena's,
// for whom she is a records proxy, with it off), so the two run side by side.
import { test, expect } from '@playwright/test';
import { signIn } from '../support/accounts';
import { DEMO_PASSWORD } from '../support/totp';

const ELENA = '00000000-0000-4000-8000-00000000a004';

test('past visits show their after-visit summaries', async ({ page }) => {
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/records');
  await page.getByRole('navigation', { name: 'Health record' }).getByRole('link', { name: 'Visits' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Visits' })).toBeVisible();
  const past = page.getByRole('region', { name: 'Past visits' });
  const latest = past.getByRole('article').first();
  await expect(latest.getByRole('heading', { level: 3 })).toBeVisible();
  await expect(latest.getByText('Seen by')).toBeVisible();
  await expect(latest.getByRole('heading', { level: 4, name: 'After-visit summary' })).toBeVisible();
  await expect(latest.getByText(/^Thank you for coming in today for your essential hypertension/)).toBeVisible();
  await expect(latest.getByText(/^What to do next: Keep taking lisinopril/)).toBeVisible();
  // A patient reads summaries; only staff get the form to write one.
  await expect(page.getByRole('textbox', { name: 'After-visit summary for the patient' })).toHaveCount(0);
  // Visits older than two years have no summary, and say so.
  await expect(past.getByText('No after-visit summary has been written for this visit yet.').first()).toBeVisible();
  // The upcoming visits come from scheduling.
  await expect(page.getByRole('heading', { level: 2, name: 'Upcoming visits' })).toBeVisible();
});

test('the care plan shows the contact, goals and team, and a task is marked done and back', async ({ page }, testInfo) => {
  const jsOff = testInfo.project.name === 'js-off';
  const [query, task, name] = jsOff
    ? [`?patient=${ELENA}`, 'Book your yearly check-up', 'Elena Ruiz']
    : ['', 'Have your yearly diabetic eye exam', 'Maria Garcia'];
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto(`/records${query}`);
  await page.getByRole('navigation', { name: 'Health record' }).getByRole('link', { name: 'Care plan' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Care plan' })).toBeVisible();
  await expect(page.getByRole('main').getByText(`For ${name}`, { exact: true }).first()).toBeVisible();
  await expect(page.getByText('Sam Okafor')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Write to your care team' })).toBeVisible();
  const goals = page.getByRole('region', { name: 'Goals' });
  await expect(goals.getByText('Walk 30 minutes, 5 days a week')).toBeVisible();
  await expect(goals.getByText('Target: 150 minutes of walking a week')).toBeVisible();
  const team = page.getByRole('region', { name: 'Care team' });
  await expect(team.getByText('Grace Kim, RN')).toBeVisible();
  await expect(team.getByText('Primary care physician')).toBeVisible();

  const tasks = page.getByRole('region', { name: 'Tasks' });
  const line = tasks.getByRole('listitem').filter({ hasText: task });
  // The flu shot was given at the clinic: done, with who and when.
  await expect(tasks.getByRole('listitem').filter({ hasText: "Get this season's flu shot" }).getByText('Done', { exact: true })).toBeVisible();
  if (!jsOff) {
    await expect(line.getByText('Overdue')).toBeVisible();
  }
  await line.getByRole('button', { name: `Mark done: ${task}` }).click();
  await expect(line.getByText('Done', { exact: true })).toBeVisible();
  await expect(line.getByText(/^Last changed .* by Maria Garcia$/)).toBeVisible();
  await expect(line.getByText('Overdue')).toHaveCount(0);
  // Back as it was, so the demo stays the same for the next run.
  await line.getByRole('button', { name: `Mark not done: ${task}` }).click();
  await expect(line.getByRole('button', { name: `Mark done: ${task}` })).toBeVisible();
  await expect(line.getByText('Done', { exact: true })).toHaveCount(0);

  // Her own record's access log names both, in words.
  if (!jsOff) {
    await page.goto('/me/access-log');
    await expect(page.getByText('Marked a care plan task').first()).toBeVisible();
    await expect(page.getByText('Viewed the care plan').first()).toBeVisible();
  }
});

test('documents list letters and reports, and a report downloads as its own file', async ({ page }) => {
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/records');
  await page.getByRole('navigation', { name: 'Health record' }).getByRole('link', { name: 'Documents' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Documents' })).toBeVisible();
  // The X-ray report from her outside record, as a PDF; after-visit summaries as text.
  const report = page.getByRole('listitem').filter({ hasText: 'Chest X-ray report' });
  await expect(report.getByText('From Riverside Community Clinic (outside record)')).toBeVisible();
  const link = report.getByRole('link', { name: /^Download \(PDF, \d+ kB\): Chest X-ray report$/ });
  await expect(page.getByRole('listitem').filter({ hasText: 'After-visit summary' }).first()).toBeVisible();
  const response = await page.request.get((await link.getAttribute('href'))!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('application/pdf');
  expect(response.headers()['content-disposition']).toContain('attachment; filename="Chest X-ray report.pdf"');
  expect((await response.body()).subarray(0, 5).toString()).toBe('%PDF-');
});
