/**
 * Debian's Chromium with the built extension loaded, as a user loads it
 * unpacked (`--load-extension`), headless (new mode, where MV3 extensions, their
 * service worker and chrome.offscreen all run). The network log of the whole
 * browser (pages, the service worker, the offscreen document) is written to a
 * file, so the tests can list every request it made.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from '@playwright/test';
// @ts-expect-error plain ES module without types
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/chromium.mjs';
import type { TraceEvent } from '../support/trace.js';

export const EXTENSION = fileURLToPath(new URL('../../extension/dist/', import.meta.url));

export interface Browser {
  context: BrowserContext;
  worker: Worker;
  id: string;
  netlog: string;
  close(): Promise<void>;
}

export async function launch({ extension = true } = {}): Promise<Browser> {
  if (extension && !existsSync(join(EXTENSION, 'manifest.json'))) {
    throw new Error('extension/dist/ is missing: run `npm run build:extension` first (npm test does)');
  }
  const profile = mkdtempSync(join(tmpdir(), 'veil-extension-'));
  // Beside the profile, so that it outlives close().
  const netlog = `${profile}-netlog.json`;
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

/**
 * Every request in a Chromium network log, with who made it: a page's or the
 * extension's origin, or none for the browser's own (one event a line).
 */
export function loggedRequests(netlog: string): { url: string; initiator: string | null }[] {
  const out: { url: string; initiator: string | null }[] = [];
  for (const line of readFileSync(netlog, 'utf8').split('\n')) {
    if (!line.includes('"url":')) continue;
    try {
      const params = (JSON.parse(line.replace(/,\s*$/, '')) as { params?: { url?: string; initiator?: string } }).params;
      // Chromium marks the requests of the browser itself "not an origin".
      if (params?.url) out.push({ url: params.url, initiator: params.initiator && params.initiator !== 'not an origin' ? params.initiator : null });
    } catch {
      // The constants block, or the last line of a log still being written.
    }
  }
  return out;
}

/** Installs a NudeNet model file through the options page, as a user with the file on disk does, and makes it the one used. */
export async function installModel(browser: Browser, file: string): Promise<void> {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.id}/options.html`);
  await page.locator('#file').setInputFiles(file);
  await page.locator('#nudenet-state', { hasText: /^Installed: veil-fixture-320\.onnx/ }).waitFor({ timeout: 60_000 });
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

export interface MainThread {
  /** The most CPU time (ms) the page's main thread spent in one task. */
  maxCpuMs: number;
  /** Its tasks that used over 50 ms of CPU. */
  over50: number;
  /** Tasks over 50 ms of wall-clock (what the Long Tasks API counts; a shared machine stretches them). */
  wallOver50: number;
  tasks: number;
}

/**
 * What the main thread of the page's renderer did while `body` ran, from a
 * Chrome trace taken over CDP (a persistent context has no Browser to trace
 * with): the renderer is the one Chrome names as hosting a frame of `origin`,
 * so the extension's own pages, in their own process, are left out. The content
 * script runs on the page's main thread, so its tasks are in.
 */
export async function traceMainThread(page: Page, origin: string, body: () => Promise<void>): Promise<MainThread> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Tracing.start', { categories: 'toplevel,disabled-by-default-devtools.timeline', transferMode: 'ReturnAsStream' });
  await body();
  const complete = new Promise<{ stream?: string }>((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  const { stream } = await complete;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream! });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream! });
  await cdp.detach();
  const parsed = JSON.parse(text) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const pids = new Set(
    events.flatMap((e) => (e.name === 'TracingStartedInBrowser' ? (e.args?.data?.frames ?? []) : []).filter((f) => f.url?.startsWith(origin)).map((f) => f.processId)),
  );
  const main = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && pids.has(e.pid)).map((e) => `${e.pid}:${e.tid}`),
  );
  if (main.size === 0) throw new Error(`the trace names no renderer for ${origin}`);
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`));
  const cpu = tasks.map((t) => (t.tdur ?? 0) / 1000);
  return {
    maxCpuMs: Math.round(Math.max(0, ...cpu) * 10) / 10,
    over50: cpu.filter((ms) => ms > 50).length,
    wallOver50: tasks.filter((t) => (t.dur ?? 0) / 1000 > 50).length,
    tasks: tasks.length,
  };
}
