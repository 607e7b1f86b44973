import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.js';

/**
 * `npm run reliability`: the input battery, the fault cases, the fuzz run and the
 * soak, in Debian's Chromium. Each group records what it tried and what passed
 * (reliability/record.ts); reliability/report.mjs prints the table.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.reliability.ts',
  timeout: 30 * 60_000,
  workers: 1,
  reporter: [['list']],
  outputDir: '../test-results/reliability',
  use: {
    browserName: 'chromium',
    // Eager memory measurement: measureUserAgentSpecificMemory answers without waiting for a GC.
    launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc'] },
  },
});
