import { defineConfig } from '@playwright/test';

// @ts-expect-error plain ES module without types
import { CHROMIUM, CHROMIUM_ARGS, WEBGPU_ARGS } from './scripts/chromium.mjs';

export { CHROMIUM, CHROMIUM_ARGS, WEBGPU_ARGS };

/** The spec files that take their `test` from test/consumers/fixture.ts: one worker builds the apps once for both. */
const APPS = ['consumers.spec.ts', 'components.spec.ts'];
/** The longest file (WebGPU on the software adapter, about 45 s): started early, so the run does not end on it alone. */
const WEBGPU = ['webgpu.spec.ts'];

/**
 * Browser tests in Debian's Chromium, two workers on the machines' two cores:
 * one Chromium test leaves a core idle about a sixth of the time (page loads,
 * timers, video playing in real time), and the other worker fills it. Tests that
 * judge the main thread (long tasks, frame rates) count the CPU a task used, not
 * its wall time, so a busy neighbour does not fail them.
 *
 * Projects, started in this order, the longest first so that the run ends on
 * short files with both workers busy: the consumer and component apps (one
 * worker, so they are packed, installed and built once), the browser extension
 * (test/extension: `node extension/build.mjs` first, which `npm test` runs; its
 * tests share one browser and run in order), the WebGPU spec, and the rest of
 * the library's specs (test/browser).
 */
export default defineConfig({
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 2,
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
    // No back/forward cache: a page that test/browser/fixtures.ts shares between tests leaves each test's document (and its workers) for good.
    launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--disable-features=BackForwardCache'] },
  },
  projects: [
    { name: 'apps', testDir: 'test/browser', testMatch: APPS, workers: 1 },
    { name: 'extension', testDir: 'test/extension', testMatch: '*.spec.ts', workers: 1, outputDir: 'test-results/extension' },
    { name: 'webgpu', testDir: 'test/browser', testMatch: WEBGPU },
    { name: 'library', testDir: 'test/browser', testIgnore: [...APPS, ...WEBGPU] },
  ],
});
