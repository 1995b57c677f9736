// RFC 6238 codes (HMAC-SHA1, 6 digits, 30-second steps) for the browser tests, and signing in
// with them. The portal refuses a code whose step was already used for the account, so when two
// tests sign the same account in within one step, the later one waits for the next step.
import { createHmac } from 'node:crypto';
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
 * Enters the current code on the code step. If this step's code was already used for the
 * account, the next step's code is accepted at once (the portal allows one step of clock
 * drift); only if that one was used too does it wait for the next step.
 */
export async function enterCode(page: Page, key: string): Promise<void> {
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt === 2) await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
    const code = totp(key, Date.now() + (attempt === 0 ? 0 : 30_000));
    await page.getByLabel('6-digit code').fill(code);
    await page.getByRole('button', { name: 'Continue' }).first().click();
    await page.waitForLoadState();
    if (!/\/sign-in\/code/.test(page.url())) return;
  }
  throw new Error('the code step refused three codes in a row');
}

/** Signs in with the password, then the authenticator code. */
export async function signInWithCode(page: Page, email: string, password: string, key: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await enterCode(page, key);
}
