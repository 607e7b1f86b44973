/**
 * The demo's own dev server (what `npm start` runs), started inside the test
 * process on a free port and closed with it, so no server outlives the tests;
 * and the demo tests' helpers: screenshots at two widths, a dropped file.
 */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
// @ts-expect-error plain ES module without types
import { writeSamples } from '../../demo/prepare.mjs';
import { contentType } from '../../scripts/mime-types.mjs';
import { ROOT } from './fixture-data.js';

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

export interface DemoServerOptions {
  /**
   * Real photos (test/.cache/photos) to make the demo's samples from, as `npm
   * start` does, served at /samples/ in place of public/samples/, so that the
   * tests do not depend on what `npm start` left there.
   */
  photos?: string;
  /** More Vite plugins, e.g. one that adds a script to the page. */
  plugins?: Plugin[];
}

/** Serves `dir` at /samples/, ahead of Vite's own public folder. */
function samplesFrom(dir: string): Plugin {
  return {
    name: 'demo-test-samples',
    configureServer(server) {
      server.middlewares.use('/samples', (req, res, next) => {
        const path = normalize(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
        if (!path.startsWith(dir) || !existsSync(path) || !statSync(path).isFile()) return next();
        res.writeHead(200, { 'content-type': contentType(path), 'content-length': statSync(path).size });
        createReadStream(path).pipe(res);
      });
    },
  };
}

export async function startDemoServer({ photos, plugins = [] }: DemoServerOptions = {}): Promise<DemoServer> {
  const samples = photos ? mkdtempSync(join(tmpdir(), 'veil-demo-samples-')) : null;
  if (photos && samples) writeSamples(photos, samples);
  const server: ViteDevServer = await createServer({
    configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
    mode: 'development',
    logLevel: 'error',
    clearScreen: false,
    server: { port: 0, strictPort: false, host: '127.0.0.1' },
    plugins: [...(samples ? [samplesFrom(samples)] : []), ...plugins],
  });
  const close = async () => {
    await server.close();
    if (samples) rmSync(samples, { recursive: true, force: true });
  };
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await close();
    throw new Error('The demo server started without a local URL.');
  }
  return { url, close };
}

const SHOTS = join(ROOT, 'test/screenshots');
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * Saves the page at both widths, the phone one first so the page is left at
 * desktop width; `focus` is scrolled into view at each width (layouts differ).
 */
export async function shoot(page: Page, name: string, { fullPage = true, focus }: { fullPage?: boolean; focus?: Locator } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  for (const [width, size] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    await focus?.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage });
  }
}

/** Drops a file on an element the way a browser delivers a drag from the desktop. */
export async function dropFile(page: Page, selector: string, name: string, bytes: Buffer) {
  await page.evaluate(
    ({ selector, name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], name, { type: 'image/png' }));
      const target = document.querySelector(selector)!;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { selector, name, data: [...bytes] },
  );
}
