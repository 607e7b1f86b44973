/**
 * Debian's Chromium with the built extension loaded, as a user loads it
 * unpacked (`--load-extension`), headless (new mode, where MV3 extensions, their
 * service worker and chrome.offscreen all run). The network log of the whole
 * browser (pages, the service worker, the offscreen document) is written to a
 * file, so the tests can list every request it made.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from '@playwright/test';
// @ts-expect-error plain ES module without types
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/chromium.mjs';

export const EXTENSION = fileURLToPath(new URL('../../extension/dist/', import.meta.url));

export interface Browser {
  context: BrowserContext;
  worker: Worker;
  id: string;
  netlog: string;
  close(): Promise<void>;
}

export async function launch({ extension = true } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'veil-extension-'));
  const netlog = join(profile, 'netlog.json');
  const args = [...(CHROMIUM_ARGS as string[]), `--log-net-log=${netlog}`];
  if (extension) args.push(`--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`);
  const context = await chromium.launchPersistentContext(join(profile, 'user'), {
    executablePath: CHROMIUM as string,
    // CHROMIUM_ARGS already asks for --headless=new; Playwright's own headless flag would add the old one's defaults.
    headless: false,
    args,
    ignoreDefaultArgs: ['--disable-extensions'],
    viewport: { width: 800, height: 700 },
  });
  let worker = context.serviceWorkers()[0];
  if (extension && !worker) worker = await context.waitForEvent('serviceworker', { timeout: 20_000 });
  return {
    context,
    worker: worker!,
    id: worker ? new URL(worker.url()).host : '',
    netlog,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Every URL in a Chromium network log (read after the browser closed, or partly while it runs). */
export function loggedUrls(netlog: string): string[] {
  const text = readFileSync(netlog, 'utf8');
  return [...text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]!);
}

/** Installs a NudeNet model file through the options page, as a user with the file on disk does, and makes it the one used. */
export async function installModel(browser: Browser, file: string): Promise<void> {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.id}/options.html`);
  await page.locator('#file').setInputFiles(file);
  await page.getByText('NudeNet is installed').waitFor();
  await page.locator('input[name=models][value=nudenet]').check();
  await page.close();
}

export async function settings(browser: Browser, patch: Record<string, unknown>): Promise<void> {
  await browser.worker.evaluate((patch) => chrome.storage.local.set(patch), patch);
}

/** The extension's offscreen documents now open. */
export const offscreenOpen = (browser: Browser) =>
  browser.worker.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType] })).length);

export type { Page };
