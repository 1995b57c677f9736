// Tests that change the shared price catalogue in ways another test would notice (a whole
// re-import, corrected figures) take turns across the parallel workers (separate processes):
// the lock is a directory, created exclusively, and one left behind by a killed run is stale
// after two minutes.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STALE_MS = 120_000;

export async function exclusively<T>(name: string, body: () => Promise<T>): Promise<T> {
  const portal = (process.env.PORTAL_URL ?? 'default').replace(/\W/g, '_');
  const dir = join(tmpdir(), `openwell-e2e-lock-${portal}-${name}`);
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(dir).mtimeMs > STALE_MS) rmSync(dir, { recursive: true, force: true });
      } catch {
        // Released meanwhile: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
