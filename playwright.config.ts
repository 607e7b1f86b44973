import { defineConfig } from '@playwright/test';

// @ts-expect-error plain ES module without types
import { CHROMIUM, CHROMIUM_ARGS, WEBGPU_ARGS } from './scripts/chromium.mjs';

export { CHROMIUM, CHROMIUM_ARGS, WEBGPU_ARGS };

/** Browser tests in Debian's Chromium. One worker: the machines have two cores and WASM inference uses both. */
export default defineConfig({
  testDir: 'test/browser',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  // In CI (CI=true) a test that fails gets one more try, reported as flaky: twice after this stop's merges a
  // detector's creation never settled within the test's 120 s (a Next.js app here, Firefox ESR in test/engines/),
  // and every rerun passed. Not understood yet; locally nothing is retried, so it stays visible.
  retries: process.env.CI ? 1 : 0,
  fullyParallel: false,
  forbidOnly: true,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
  },
});
