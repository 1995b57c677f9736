// RFC 6238 codes (HMAC-SHA1, 6 digits, 30-second steps) for the browser tests, and signing in
// with them. The portal refuses a code whose step was already used for the account, so tests
// that sign the same account in claim distinct steps (see `claimStep`).
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';

/** The authenticator key every demo staff account has (README). */
export const DEMO_STAFF_KEY = 'N5YGK3TXMVWGYLLEMVWW6LLUN52HALJR';
export const DEMO_PASSWORD = 'openwell demo passphrase';

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code an authenticator with `key` (base32) shows at `at` (ms since the epoch). */
export function totp(key: string, at = Date.now()): string {
  const counter = Math.floor(at / 1000 / 30);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac('sha1', base32Decode(key)).update(message).digest();
  const offset = hmac[hmac.length - 1] & 0x0f;
  const number = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return number.toString().padStart(6, '0');
}

/**
 * Claims a time step whose code no other test has used for `account`: this step or the next
 * (the portal allows one step of clock drift), else waits for the next step. The portal refuses
 * a code whose step was already used and locks the code step after a few refusals, so tests in
 * parallel workers (separate processes) share their claims as files created exclusively.
 */
async function claimStep(page: Page, account: string): Promise<number> {
  const dir = join(tmpdir(), 'openwell-e2e-totp', (process.env.PORTAL_URL ?? 'default').replace(/\W/g, '_'));
  mkdirSync(dir, { recursive: true });
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    for (const step of [now, now + 1]) {
      try {
        writeFileSync(join(dir, `${account.replace(/\W/g, '_')}-${step}`), '', { flag: 'wx' });
        return step;
      } catch {
        // Taken by another test: try the next one.
      }
    }
    await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
  }
}

/** A code no other test has used for `account` (an email address or any stable name). */
export async function freshCode(page: Page, key: string, account: string = key): Promise<string> {
  return totp(key, (await claimStep(page, account)) * 30_000 + 1_000);
}

/** Enters a fresh code on the code step for `account`. */
export async function enterCode(page: Page, key: string, account: string = key): Promise<void> {
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await page.getByLabel('6-digit code').fill(await freshCode(page, key, account));
  await page.getByRole('button', { name: 'Continue' }).first().click();
  await page.waitForLoadState();
  if (/\/sign-in\/code/.test(page.url())) {
    const alert = await page.getByRole('alert').allTextContents();
    throw new Error(`the code step refused a fresh code: ${alert.join(' ')}`);
  }
}

/** Signs in with the password, then the authenticator code. */
export async function signInWithCode(page: Page, email: string, password: string, key: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await enterCode(page, key, email);
}
