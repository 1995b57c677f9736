// Send-to-display between two server processes, in Chromium (run by bench/messaging.sh from
// end2end/, where playwright-core is installed):
//   node messaging-live.mjs <first URL> <second URL> <sends>
// The demo patient's conversation is open on the second process, and so is her navigator's
// view of it; each message is posted through the first process (the same form post a browser
// without JavaScript makes), alternately by the navigator and by the patient, and the time runs
// from just before the post until the new text is in the other side's page (a
// MutationObserver in the page stamps it). That is: the send itself, the announcement through
// PostgreSQL, the event on the second process's stream, the page's refetch and its swap.
// Each account may send 10 messages a minute, so sends are spaced 3.2 s apart.
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
const require = createRequire(`${process.cwd()}/`);
const { chromium } = require('playwright-core');

const [first, second, sendsArg] = process.argv.slice(2);
const sends = Number(sendsArg ?? 60);
const PASSWORD = 'openwell demo passphrase';
const KEY = 'N5YGK3TXMVWGYLLEMVWW6LLUN52HALJR';

function totp(key, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const bytes = [];
  for (const ch of key) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) { bytes.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const hmac = createHmac('sha1', Buffer.from(bytes)).update(message).digest();
  const offset = hmac[hmac.length - 1] & 0x0f;
  return ((hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

async function signIn(page, email, withCode) {
  await page.goto(`${first}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForLoadState();
  if (withCode) {
    await page.getByLabel('6-digit code').fill(totp(KEY));
    await page.getByRole('button', { name: 'Continue' }).first().click();
    await page.waitForLoadState();
  }
}

// Opens `url`, waits for its event stream, and stamps each new message text as it appears.
async function watch(page, url) {
  await page.goto(url);
  await page.waitForSelector('html[data-live="ready"]');
  await page.evaluate(() => {
    window.seen = {};
    new MutationObserver(() => {
      for (const m of document.querySelectorAll('#live-thread .message__body')) {
        const t = m.textContent;
        if (t.startsWith('bench-') && !(t in window.seen)) window.seen[t] = Date.now();
      }
    }).observe(document.getElementById('live-thread'), { childList: true, subtree: true });
  });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const patient = await (await browser.newContext()).newPage();
const staff = await (await browser.newContext()).newPage();
await signIn(patient, 'patient@example.org', false);
await signIn(staff, 'staff@example.org', true);
await patient.goto(`${first}/messages`);
const path = await patient.getByRole('link', { name: 'Presión arterial alta en casa' }).getAttribute('href');
const id = path.split('/').pop();
await watch(patient, `${second}${path}`);
await watch(staff, `${second}/staff${path}`);
const action = await staff.locator('form.reply').getAttribute('action');

const times = [];
for (let i = 0; i < sends; i++) {
  const [from, to] = i % 2 === 0 ? [staff, patient] : [patient, staff];
  const text = `bench-${Date.now()}-${i}`;
  const started = Date.now();
  const r = await from.request.post(`${first}${action}`, {
    form: { conversation_id: id, body: text },
    headers: { Origin: first },
    maxRedirects: 0,
  });
  if (r.status() >= 400) throw new Error(`send ${i}: HTTP ${r.status()}`);
  await to.waitForFunction((t) => t in window.seen, text, { timeout: 10_000 });
  times.push((await to.evaluate((t) => window.seen[t], text)) - started);
  await new Promise((res) => setTimeout(res, Math.max(0, 3200 - (Date.now() - started))));
}
await browser.close();
times.sort((a, b) => a - b);
const pct = (p) => times[Math.round((times.length - 1) * p)];
console.log('| what | runs | p50 ms | p95 ms | p99 ms | notes |\n|---|---:|---:|---:|---:|---|');
console.log(`| send → shown in the other side's page, other process | ${times.length} | ${pct(0.5)} | ${pct(0.95)} | ${pct(0.99)} | post, announce, event, refetch, swap |`);
