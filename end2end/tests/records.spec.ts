// Health records, with JavaScript on and off: the demo patient reads her summary (with her
// outside record and its source), her results with plain-word flags, and the trend of a repeated
// test as a chart with the same values in a table; she downloads her record, which two FHIR R4
// validators that are not the portal's code accept; and, acting for a family member, she
// imports a bundle from another provider: a file that is not JSON and one with a bad entry are
// refused with the entry and field named, then she keeps the valid entries and sees them.
// Each project imports into a different family member's record, so the two run side by side.
import { test, expect } from '@playwright/test';
import { signIn } from '../support/accounts';
import { problems } from '../support/fhir';
import { DEMO_PASSWORD } from '../support/totp';

test('the summary, results and a trend read clearly, and the exported record is valid FHIR R4', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto('/me');
  await page.getByRole('link', { name: 'Health summary', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Health summary' })).toBeVisible();
  const conditions = page.getByRole('region', { name: 'Conditions' });
  await expect(conditions.getByText('Type 2 diabetes mellitus')).toBeVisible();
  await expect(conditions.getByText('From Riverside Community Clinic (outside record)')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Allergies' }).getByText('Penicillin')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Medications' }).getByText('metformin hydrochloride 500 MG Oral Tablet')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Latest vital signs' }).getByText('Blood pressure panel')).toBeVisible();
  // On paper: the record without the portal's navigation and actions.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByRole('navigation', { name: 'Health record' })).toBeHidden();
  await expect(page.getByRole('link', { name: 'Download my record' })).toBeHidden();
  await expect(page.getByRole('region', { name: 'Medications' }).getByText('metformin hydrochloride 500 MG Oral Tablet')).toBeVisible();
  await page.emulateMedia({ media: 'screen' });
  // "Learn about this" opens the library's article about the condition.
  await conditions.getByRole('link', { name: /Learn about this: .*diabetes/i }).first().click();
  await expect(page).toHaveURL(/\/library\//);
  await page.goBack();

  await page.getByRole('navigation', { name: 'Health record' }).getByRole('link', { name: 'Test results' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Test results' })).toBeVisible();
  const a1c = page.getByRole('region', { name: 'Hemoglobin A1c' }).first();
  await expect(a1c.getByRole('cell', { name: /%/ }).first()).toBeVisible();
  await expect(a1c.getByText('Higher than the usual range')).toBeVisible();
  // Beside an abnormal value, the library's article on what it can mean.
  const learn = a1c.getByRole('link', { name: /^Learn about this: / }).first();
  await expect(learn).toBeVisible();
  expect(await learn.getAttribute('href')).toMatch(/^\/library\/[a-z0-9-]+$/);
  await a1c.getByRole('link', { name: 'See how it has changed: Hemoglobin A1c' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Hemoglobin A1c' })).toBeVisible();
  // The address names an opaque value id, never the test (LOINC 4548-4 is health information).
  await expect(page).toHaveURL(/\/records\/results\/[0-9a-f-]{36}(\?|$)/);
  expect(page.url()).not.toContain('4548');
  const chart = page.getByRole('img', { name: 'Hemoglobin A1c' });
  await expect(chart).toBeVisible();
  const dots = await chart.locator('circle').count();
  const rows = page.getByRole('table', { name: 'Every value, newest first' }).locator('tbody tr');
  // The chart and the table show the same values: the outside record's 6.1 % among them.
  expect(dots).toBeGreaterThan(5);
  await expect(rows).toHaveCount(dots);
  await expect(rows.last()).toContainText('6.1 %');
  // With JavaScript, a tap on a point reads it out under the chart (the table stays the way for
  // keyboards and screen readers); without, nothing offers it.
  const hint = page.getByText('Touch or point at a value on the chart to read it here.');
  if (testInfo.project.name === 'js-on') {
    await expect(hint).toBeVisible();
    const newest = (await rows.first().locator('th').innerText()).trim();
    await page.locator('svg[aria-hidden="true"] [data-point]').last().click();
    const readout = page.getByText(new RegExp(`^${newest}: .*%`));
    await expect(readout).toBeVisible();
    await expect(readout).toContainText((await rows.first().locator('td').first().innerText()).trim());
  } else {
    await expect(hint).toBeHidden();
  }

  // The download is the whole record, and independent validators accept every resource.
  await page.goto('/records');
  const href = await page.getByRole('link', { name: 'Download my record' }).getAttribute('href');
  const response = await page.request.get(href!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('application/fhir+json');
  const bundle = await response.json();
  expect(bundle.resourceType).toBe('Bundle');
  const types = new Set(bundle.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType));
  for (const t of ['Patient', 'Condition', 'AllergyIntolerance', 'MedicationRequest', 'Immunization', 'Observation', 'DiagnosticReport', 'Encounter', 'DocumentReference', 'CarePlan', 'Goal', 'CareTeam', 'Provenance']) {
    expect(types.has(t), t).toBe(true);
  }
  expect(problems(bundle)).toEqual([]);

  // The patient summary is an IPS document: a Composition first, whose sections name the
  // resources, and the same validators accept it.
  const ipsHref = await page.getByRole('link', { name: 'Download a patient summary' }).getAttribute('href');
  const ips = await page.request.get(ipsHref!);
  expect(ips.status()).toBe(200);
  const document = await ips.json();
  expect(document.type).toBe('document');
  expect(document.entry[0].resource.resourceType).toBe('Composition');
  expect(document.entry[0].resource.type.coding[0].code).toBe('60591-5');
  const sections = document.entry[0].resource.section.map((s: { code: { coding: { code: string }[] } }) => s.code.coding[0].code);
  for (const code of ['11450-4', '48765-2', '10160-0', '11369-6', '30954-2']) expect(sections).toContain(code);
  expect(problems(document)).toEqual([]);

  // The summary as a PDF made by the server: a file of its own, downloaded as one.
  const pdfLink = page.getByRole('link', { name: 'Download as PDF' });
  await expect(pdfLink).toHaveAttribute('download', 'health-summary.pdf');
  const pdf = await page.request.get((await pdfLink.getAttribute('href'))!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect(pdf.headers()['content-disposition']).toContain('attachment');
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

  // Each of these reads is in her access log, in words.
  await page.goto('/me/access-log');
  for (const words of ['Viewed the health summary', 'Viewed test results', "Viewed a test's results over time", 'Downloaded the health record', 'Downloaded the patient summary', 'Downloaded the health summary as a PDF']) {
    await expect(page.getByText(words).first()).toBeVisible();
  }
});

// Maria is Leo's parent and Elena's proxy with the records scope.
const FAMILY: Record<string, { id: string; name: string; born: string; family: string }> = {
  'js-on': { id: '00000000-0000-4000-8000-00000000a002', name: 'Leo Garcia', born: '2019-05-02', family: 'Garcia' },
  'js-off': { id: '00000000-0000-4000-8000-00000000a004', name: 'Elena Ruiz', born: '1948-02-11', family: 'Ruiz' },
};

test('an import with problems names them by entry, then the valid entries are kept', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const who = FAMILY[testInfo.project.name];
  // Its own words each run, so the entries are new whatever was imported before.
  const condition = `Seasonal allergic rhinitis (${testInfo.project.name} ${Date.now()})`;
  const subject = { reference: 'urn:uuid:7a4c1d2e-0000-4000-8000-000000000001' };
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { fullUrl: subject.reference, resource: { resourceType: 'Patient', name: [{ family: who.family }], birthDate: who.born } },
      { resource: { resourceType: 'Organization', name: 'Lakeside Family Practice' } },
      { resource: { resourceType: 'Condition', code: { text: condition }, subject, onsetDateTime: '2018-04' } },
      { resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '141', display: 'Influenza' }] }, patient: subject, occurrenceDateTime: '2020-10-01' } },
      { resource: { resourceType: 'Observation', status: 'final', code: { text: 'Weight' }, subject, valueQuantity: { value: 'heavy', unit: 'kg' } } },
    ],
  };
  await signIn(page, 'patient@example.org', DEMO_PASSWORD);
  await page.goto(`/records/import?patient=${who.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Add records from another provider' })).toBeVisible();
  await expect(page.getByText(`For ${who.name}`)).toBeVisible();

  await page.getByLabel('FHIR Bundle file').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('these are my notes') });
  await page.getByRole('button', { name: 'Check and add' }).click();
  await expect(page.getByRole('alert')).toContainText('This file is not JSON');

  await page.getByLabel('FHIR Bundle file').setInputFiles({ name: 'lakeside.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bundle)) });
  await page.getByRole('button', { name: 'Check and add' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('The file has problems');
  await expect(alert).toContainText('Entry 5');
  await expect(alert).toContainText('valueQuantity.value');
  await expect(alert).toContainText('a value has the wrong form');
  await page.getByRole('button', { name: 'Keep the 2 valid entries' }).click();
  await expect(page.getByRole('status')).toContainText('Added 2 entries to your record');

  await page.getByRole('navigation', { name: 'Health record' }).getByRole('link', { name: 'Summary' }).click();
  const conditions = page.getByRole('region', { name: 'Conditions' });
  await expect(conditions.getByText(condition)).toBeVisible();
  await expect(conditions.getByText('From Lakeside Family Practice (outside record)').first()).toBeVisible();

  // The same entries again add nothing.
  await page.goto(`/records/import?patient=${who.id}`);
  const valid = { ...bundle, entry: bundle.entry.slice(0, 4) };
  await page.getByLabel('FHIR Bundle file').setInputFiles({ name: 'lakeside-again.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(valid, null, 2)) });
  await page.getByRole('button', { name: 'Check and add' }).click();
  await expect(page.getByRole('status')).toContainText('Nothing new: the 2 entries in this file are already in your record');
});
