/**
 * The consumer apps as Playwright worker fixtures: packed, installed and built
 * once per worker, shared by every spec file that takes `test` from here
 * (consumers.spec.ts, components.spec.ts). Both files must use this very `test`
 * with no worker fixture of their own: a spec that extends it gets a worker of
 * its own, and the apps would be installed and built again (a minute and more).
 */
import { test as base } from '@playwright/test';
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { startServer } from '../support/server.js';
import { prepareApps, type ConsumerApps } from './prepare.js';

export const test = base.extend<{}, { apps: ConsumerApps; reference: Record<string, any> }>({
  apps: [
    async ({}, use) => {
      const apps = await prepareApps();
      console.log(`consumer app builds (s): ${JSON.stringify(apps.buildSeconds)}`);
      await use(apps);
      apps.cleanup();
    },
    { scope: 'worker', timeout: 420_000 },
  ],
  /** The library's own answer for the consumer apps' model and image, to compare theirs with. */
  reference: [
    async ({ browser }, use) => {
      const server = await startServer();
      const page = await browser.newPage();
      await page.goto(`${server.url}/test/browser/harness.html`);
      await page.waitForFunction(() => 'veil' in window);
      const result = await page.evaluate(
        async ({ model, url }) => {
          const detector = await (window as any).veil.createDetector({ model });
          try {
            return await detector.detect(url);
          } finally {
            detector.dispose();
          }
        },
        { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') },
      );
      await page.close();
      await server.close();
      await use(result);
    },
    { scope: 'worker' },
  ],
});
