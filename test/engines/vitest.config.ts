import { defineConfig } from 'vitest/config';

/**
 * The browser matrix (`npm test` runs it after the Chromium suite): the built
 * library in Firefox ESR and WebKitGTK, beside Chromium, one engine at a time
 * (the machines have two cores, and inference uses both).
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/engines/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
