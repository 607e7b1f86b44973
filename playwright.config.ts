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
  fullyParallel: false,
  forbidOnly: true,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
  },
});
