import { defineConfig } from '@playwright/test';

/**
 * The browser extension's tests (extension.spec.ts), a run of their own: they
 * launch Debian's Chromium with the built extension loaded (`node
 * extension/build.mjs` first), in one persistent profile shared by the file's tests.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: '../../test-results/extension',
});
