// Reads the emails the portal sent to the test SMTP server (aiosmtpd writing a Maildir that
// scripts/test.sh names in E2E_MAILDIR), and finds the links in them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every message received (at or after `since`, ms since the epoch), oldest first. */
function messages(since = 0): string[] {
  const dir = process.env.E2E_MAILDIR;
  if (!dir) throw new Error('E2E_MAILDIR is not set: run the browser tests through scripts/test.sh');
  const out: { at: number; text: string }[] = [];
  for (const sub of ['new', 'cur']) {
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, sub, name);
      const at = statSync(path).mtimeMs;
      if (at >= since) out.push({ at, text: readFileSync(path, 'utf8') });
    }
  }
  return out.sort((a, b) => a.at - b.at).map((m) => m.text);
}

// Undoes quoted-printable soft line breaks and the encoded "=" that would split a link.
function unfold(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}

/**
 * Waits until at least `atLeast` emails to `to` hold a link whose path starts with `path`, and
 * returns the newest such link.
 */
export async function linkIn(to: string, path: string, atLeast = 1, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const pattern = new RegExp(`https?://[^\\s"<>]+${path.replace(/[/-]/g, '\\$&')}[^\\s"<>]*`, 'g');
  while (Date.now() < deadline) {
    // One entry per message (each holds its link in both the text and the HTML part).
    const links = messages()
      .filter((m) => new RegExp(`^To: ${to.replace(/[.+]/g, '\\$&')}$`, 'mi').test(m))
      .map((m) => unfold(m).match(pattern)?.[0])
      .filter((l): l is string => l !== undefined);
    if (links.length >= atLeast) return links[links.length - 1];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no email to ${to} with a ${path} link within ${timeoutMs} ms`);
}

/** How many emails reached `to`. */
export function countTo(to: string): number {
  return messages().filter((m) => new RegExp(`^To: ${to.replace(/[.+]/g, '\\$&')}$`, 'mi').test(m)).length;
}

/** Waits for a linking code (`XXXX-XXXX`) emailed to `to` at or after `since`; returns the newest. */
export async function codeIn(to: string, since: number, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const codes = messages(since)
      .filter((m) => new RegExp(`^To: ${to.replace(/[.+]/g, '\\$&')}$`, 'mi').test(m))
      // The body only: a header's Message-ID (a UUID) can hold "8547-4877" too.
      .map((m) => unfold(m).split(/\r?\n\r?\n/).slice(1).join('\n\n').match(/\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/)?.[1])
      .filter((c): c is string => c !== undefined);
    if (codes.length > 0) return codes[codes.length - 1];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no code emailed to ${to} within ${timeoutMs} ms`);
}

/** Waits for an email to `to`, at or after `since`, whose raw text holds `marker`; returns it. */
export async function messageTo(to: string, since: number, marker: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = messages(since)
      .filter((m) => new RegExp(`^To: ${to.replace(/[.+]/g, '\\$&')}$`, 'mi').test(m))
      .filter((m) => unfold(m).includes(marker));
    if (found.length > 0) return unfold(found[found.length - 1]);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no email to ${to} holding ${marker} within ${timeoutMs} ms`);
}
