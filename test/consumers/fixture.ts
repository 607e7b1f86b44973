/**
 * The consumer apps as a Playwright worker fixture: packed, installed and built
 * once per worker, shared by every spec file that takes `apps` from here
 * (consumers.spec.ts, components.spec.ts).
 */
import { test as base } from '@playwright/test';
import { prepareApps, type ConsumerApps } from './prepare.js';

export const test = base.extend<{}, { apps: ConsumerApps }>({
  apps: [
    async ({}, use) => {
      const apps = await prepareApps();
      console.log(`consumer app builds (s): ${JSON.stringify(apps.buildSeconds)}`);
      await use(apps);
      apps.cleanup();
    },
    { scope: 'worker', timeout: 420_000 },
  ],
});
