import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser (downloads are blocked on these machines).
const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
};

export default defineConfig({
  testDir: './tests',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list']],
  timeout: 30_000,
  // Two browsers, two servers and the build share two cores in CI: a page that answers in 1 s
  // alone can take several under that load, so assertions wait 10 s rather than the default 5.
  expect: { timeout: 10_000 },
  use: {
    baseURL: process.env.PORTAL_URL ?? 'http://127.0.0.1:3000',
    trace: 'off',
  },
  projects: [
    { name: 'js-on', use: { ...chromium, javaScriptEnabled: true } },
    // Every page must work before (or without) the WASM: same tests, scripts disabled.
    { name: 'js-off', use: { ...chromium, javaScriptEnabled: false }, testIgnore: /\.hydrate\.spec\.ts$/ },
  ],
});
