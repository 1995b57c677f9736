// Acting for others, with JavaScript on and off: a parent switches between her children's
// records, a patient invites a helper who accepts and is then removed, and new accounts link
// to their records with an invitation code or a code emailed to the address on the record.
import { test, expect } from '@playwright/test';
import { newPatient, signIn } from '../support/accounts';
import { linkIn } from '../support/mail';
import { DEMO_PASSWORD } from '../support/totp';
import { codeIn } from '../support/mail';

test('a parent switches to each child and back, and the banner says whom she acts for', async ({ page }) => {
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Health record' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your health record' })).toBeVisible();
  await expect(page.getByText('Acting for Maria Garcia')).toBeVisible();

  await page.getByRole('button', { name: 'Act for Leo Garcia' }).click();
  await expect(page.getByText('Acting for Leo Garcia')).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Record of Leo Garcia' })).toBeVisible();
  await expect(page.getByText('only visible to the patient')).toHaveCount(0);

  // Sofia is a teen: whether her confidential items show is hers to decide (the next test).
  await page.getByRole('button', { name: 'Act for Sofia Garcia' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Record of Sofia Garcia' })).toBeVisible();
  // The banner follows to every page.
  await page.goto('/account');
  await expect(page.getByText('Acting for Sofia Garcia')).toBeVisible();

  await page.goto('/me');
  await page.getByRole('button', { name: 'Act for Maria Garcia' }).click();
  await expect(page.getByText('Acting for Maria Garcia')).toBeVisible();
  await page.getByRole('link', { name: 'Who has viewed this record' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Who has viewed this record' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'Opened the record' }).first()).toContainText('You');
});

test('a teen lets her mother see her confidential items, then stops', async ({ page, browser, javaScriptEnabled }) => {
  // One run only: both projects toggling the same demo grant at once would race. The form is
  // plain HTML, the same with JavaScript on.
  test.skip(javaScriptEnabled, 'runs once, without JavaScript');
  const mother = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await signIn(mother, 'patient@example.org', DEMO_PASSWORD);
  const motherSeesSofia = async () => {
    await mother.goto('/me');
    // After the first visit she is already acting for Sofia, and the switcher offers the others.
    const actForSofia = mother.getByRole('button', { name: 'Act for Sofia Garcia' });
    if (await actForSofia.count()) await actForSofia.click();
    await expect(mother.getByRole('heading', { level: 2, name: 'Record of Sofia Garcia' })).toBeVisible();
  };
  await signIn(page, 'teen@example.org', DEMO_PASSWORD);
  await page.goto('/me/people');
  await motherSeesSofia();
  await expect(mother.getByText('only visible to the patient')).toBeVisible();

  const grant = page.getByRole('listitem').filter({ hasText: 'Maria Garcia' });
  await expect(grant).toContainText('Does not see the parts of your record that are confidential to you');
  await grant.getByRole('button', { name: 'Share my confidential items too' }).click();
  await expect(page.getByRole('status')).toContainText('your parent can now see');
  await expect(page.getByRole('listitem').filter({ hasText: 'Maria Garcia' })).toContainText('Also sees');
  await motherSeesSofia();
  await expect(mother.getByText('only visible to the patient')).toHaveCount(0);

  await page.getByRole('listitem').filter({ hasText: 'Maria Garcia' })
    .getByRole('button', { name: 'Stop sharing my confidential items' }).click();
  await expect(page.getByRole('status')).toContainText('private again');
  await motherSeesSofia();
  await expect(mother.getByText('only visible to the patient')).toBeVisible();

  // The mother manages Sofia's helpers but cannot make this choice for her.
  await mother.goto('/me/people');
  await expect(mother.getByRole('button', { name: 'Share my confidential items too' })).toHaveCount(0);
});

test('a patient invites a helper, who accepts and loses access when removed', async ({ page, browser }) => {
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/me');
  await page.getByRole('link', { name: 'Who can see this record' }).click();

  const helperPage = await (await browser.newContext()).newPage();
  const helper = await newPatient(helperPage, 'helper', ['Hugo', 'Vega']);
  await page.getByLabel('Their email address').fill(helper);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('alert')).toContainText('check the fields');
  await page.getByLabel('appointments').check();
  await page.getByLabel('billing and prices').check();
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status')).toContainText('Invitation sent');
  await expect(page.getByRole('listitem').filter({ hasText: helper })).toContainText('invitation not yet accepted');

  await signIn(helperPage, helper);
  await helperPage.goto(await linkIn(helper, '/proxy/accept'));
  await helperPage.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(helperPage).toHaveURL(/\/me$/);
  await expect(helperPage.getByRole('listitem').filter({ hasText: 'Maria Garcia' })).toContainText('appointments, billing and prices');

  await page.reload();
  const row = page.getByRole('listitem').filter({ hasText: 'Hugo Vega' });
  await row.getByRole('button', { name: 'End access for Hugo Vega' }).click();
  await expect(page.getByRole('status')).toContainText('Access ended');
  await helperPage.goto('/me');
  await expect(helperPage.getByText('Maria Garcia')).toHaveCount(0);
});

test('a new account links to its record by invitation code or by a code sent to the email on file', async ({ page }, testInfo) => {
  // Each record links to one account: the two projects take one record each.
  if (testInfo.project.name === 'js-off') {
    const email = await newPatient(page, 'carmen', ['Carmen', 'Diaz']);
    await signIn(page, email);
    await page.goto('/me');
    await expect(page.getByText('not linked to a health record yet')).toBeVisible();
    await page.getByRole('link', { name: 'Link your health record' }).click();
    await page.getByLabel('Invitation code').fill('demo link');
    await page.getByRole('button', { name: 'Link my record' }).first().click();
    await expect(page.getByRole('status')).toContainText('now linked');
    await expect(page.getByRole('heading', { level: 2, name: 'Record of Carmen Diaz' })).toBeVisible();
  } else {
    const email = await newPatient(page, 'elena', ['Elena', 'Ruiz']);
    await signIn(page, email);
    await page.goto('/me/link');
    await page.getByLabel('Invitation code').fill('WRONG-CODE');
    await page.getByRole('button', { name: 'Link my record' }).first().click();
    await expect(page.getByRole('alert')).toContainText('not right');
    await page.getByLabel('Last name').fill('ruiz');
    await page.getByLabel('Date of birth').fill('1948-02-11');
    const asked = Date.now() - 1000;
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await expect(page.getByRole('status')).toContainText('If a record matches');
    // The code goes to the address on Elena's record, not to the account that asked.
    const code = await codeIn('elena.ruiz@example.org', asked);
    await page.getByLabel('Code from the email').fill(code);
    await page.getByRole('button', { name: 'Link my record' }).last().click();
    await expect(page.getByRole('heading', { level: 2, name: 'Record of Elena Ruiz' })).toBeVisible();
  }
});
