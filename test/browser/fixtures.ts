import { test as base, type CDPSession, type Disposable, type Page } from '@playwright/test';
import { startServer, type TestServer } from '../support/server.js';

export interface Harness {
  page: Page;
  /** Opens the harness page (built library at window.veil), isolated unless told otherwise. */
  open(options?: { isolated?: boolean }): Promise<void>;
}

/** The events a test may listen to on its page; what it added is taken off before the page serves the next test. */
const PAGE_EVENTS = ['console', 'pageerror', 'worker', 'request', 'requestfinished', 'requestfailed', 'response', 'dialog', 'popup', 'load', 'domcontentloaded', 'framenavigated', 'frameattached', 'framedetached', 'crash', 'close'] as const;

export const test = base.extend<
  { harness: Harness; consoleErrors: string[]; onePage: boolean },
  { server: TestServer; sharedPage: { page: Page; cdp: CDPSession } }
>({
  server: [
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  /**
   * `test.use({ onePage: true })`: the file's tests take turns on one page of the
   * worker's, instead of a page each in a context of its own. Chromium spends
   * about a second of CPU starting each page's renderer process; a file of 20
   * tests saves 20 such seconds. Between tests the page goes to an empty page of
   * the test server (its workers end with the document), the test's listeners and
   * routes, init scripts and exposed functions are taken off, and the origin's
   * storage (the model cache in IndexedDB among it) and the HTTP cache are cleared.
   * Only for files whose tests ask for no `context` and no emulation.
   * A test that fails leaves the worker, and the page, to Playwright's restart.
   */
  onePage: [false, { option: true }],
  sharedPage: [
    async ({ browser }, use) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await use({ page, cdp: await context.newCDPSession(page) });
      await context.close();
    },
    { scope: 'worker' },
  ],
  page: async ({ onePage, context, sharedPage, server }, use) => {
    if (!onePage) {
      await use(await context.newPage());
      return;
    }
    const { page, cdp } = sharedPage;
    const before = new Map(PAGE_EVENTS.map((event) => [event, new Set(page.listeners(event))]));
    // What the test adds that outlives a navigation: each call answers with a Disposable, kept to undo it.
    const added: Disposable[] = [];
    const methods = ['addInitScript', 'exposeFunction', 'exposeBinding'] as const;
    for (const name of methods) {
      const original = page[name] as (...args: unknown[]) => Promise<Disposable>;
      page[name] = (async (...args: unknown[]) => {
        const disposable = await original.apply(page, args);
        added.push(disposable);
        return disposable;
      }) as never;
    }
    await use(page);
    for (const name of methods) delete (page as Partial<Page>)[name]; // back to the prototype's
    for (const disposable of added) await disposable.dispose();
    for (const event of PAGE_EVENTS) for (const listener of page.listeners(event)) if (!before.get(event)!.has(listener)) page.off(event, listener as never);
    await page.unrouteAll({ behavior: 'wait' });
    await page.goto(`${server.url}/__blank`);
    await cdp.send('Storage.clearDataForOrigin', { origin: server.url, storageTypes: 'all' });
    await cdp.send('Network.clearBrowserCache');
    await page.setViewportSize({ width: 1280, height: 720 });
  },
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
