import { test as base, type Page } from '@playwright/test';
import { startServer, type TestServer } from '../support/server.js';

export interface Harness {
  page: Page;
  /** Opens the harness page (built library at window.veil), isolated unless told otherwise. */
  open(options?: { isolated?: boolean }): Promise<void>;
}

export const test = base.extend<{ harness: Harness; consoleErrors: string[] }, { server: TestServer }>({
  server: [
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await use(errors);
  },
  harness: async ({ page, server }, use) => {
    await use({
      page,
      async open({ isolated = true } = {}) {
        await page.goto(`${server.url}/test/browser/harness.html${isolated ? '' : '?isolated=0'}`);
        await page.waitForFunction(() => 'veil' in window);
      },
    });
  },
});

export { expect } from '@playwright/test';
