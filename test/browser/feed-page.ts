/**
 * Builds a feed of generated images in the harness page for the blurOnRender
 * tests: each image is drawn on a canvas with a patch in a fixture colour, so the
 * fixture model's verdict on it is known (pass, review or block).
 */
import type { Page } from '@playwright/test';
import { modelUrl } from '../support/fixture-data.js';

export type Kind = 'pass' | 'review' | 'block';

/** Image i's verdict: most pass, one in five goes to review, one in five is blocked. */
export const kindOf = (i: number): Kind => (['pass', 'pass', 'review', 'pass', 'block'] as const)[i % 5]!;

export interface FeedOptions {
  count: number;
  /** Extra HTML attributes on each <img>. */
  attrs?: string;
}

/** Adds `#feed` with `count` images of 320 x 240 (fixed size, so nothing moves as they load). */
export async function buildFeed(page: Page, { count, attrs = '' }: FeedOptions): Promise<void> {
  await page.evaluate(
    async ({ count, attrs, kinds }) => {
      const colours: Record<string, string> = { pass: 'rgb(0,255,0)', review: 'rgb(255,255,0)', block: 'rgb(255,0,0)' };
      const feed = document.createElement('div');
      feed.id = 'feed';
      feed.style.cssText = 'width:340px;margin:0 auto;display:grid;gap:16px;padding:16px 0';
      const html: string[] = [];
      for (let i = 0; i < count; i++) {
        const canvas = new OffscreenCanvas(320, 240);
        const ctx = canvas.getContext('2d')!;
        const sky = ctx.createLinearGradient(0, 0, 320, 240);
        sky.addColorStop(0, `hsl(${(i * 37) % 360} 25% 55%)`);
        sky.addColorStop(1, 'rgb(90,100,120)');
        ctx.fillStyle = sky;
        ctx.fillRect(0, 0, 320, 240);
        ctx.fillStyle = colours[kinds[i]!]!;
        ctx.fillRect(60 + (i % 7) * 20, 50 + (i % 3) * 30, 90, 80);
        const blob = await canvas.convertToBlob({ type: 'image/png' });
        html.push(`<figure style="margin:0"><img src="${URL.createObjectURL(blob)}" width="320" height="240" alt="Photo ${i}" data-i="${i}" ${attrs}></figure>`);
      }
      feed.innerHTML = html.join('');
      document.body.style.margin = '0';
      document.body.append(feed);
      await Promise.all([...feed.querySelectorAll('img')].map((img) => img.decode()));
    },
    { count, attrs, kinds: Array.from({ length: count }, (_, i) => kindOf(i)) },
  );
}

/**
 * Creates the real detector in the page as `window.detector`, configured as the
 * docs/page-helpers.md advises for a feed: WASM threads leave one core to the page, so
 * scrolling never waits behind inference.
 */
export async function startDetector(page: Page): Promise<void> {
  await page.evaluate(async (model) => {
    const w = window as any;
    w.detector = await w.veil.createDetector({ model, providers: ['wasm'], threads: crossOriginIsolated ? Math.max(1, navigator.hardwareConcurrency - 1) : 1 });
  }, modelUrl(320));
}

/** Every image's data-veil state, by index. */
export const states = (page: Page) =>
  page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('#feed img')].map((img) => img.getAttribute('data-veil')));

export const blurred = (page: Page, i: number) =>
  page.locator(`#feed img[data-i="${i}"]`).evaluate((img) => getComputedStyle(img).filter);

/** Scrolls down the page with the mouse wheel, a screen at a time, as a reader would. */
export async function scrollThrough(page: Page) {
  for (;;) {
    const { y, max } = await page.evaluate(() => ({ y: scrollY, max: document.documentElement.scrollHeight - innerHeight }));
    if (y >= max) return;
    await page.mouse.wheel(0, 700);
    await page.waitForTimeout(250);
  }
}

/**
 * A detector that records each call's image and signal and answers only when the
 * test releases it (or the call is aborted), so order and cancellation can be seen.
 */
export async function installGatedDetector(page: Page) {
  await page.evaluate(() => {
    const w = window as any;
    w.calls = [];
    w.gated = {
      detect(img: HTMLImageElement, { signal }: { signal: AbortSignal }) {
        const call = { i: Number(img.dataset.i), signal, release: () => {} };
        w.calls.push(call);
        return new Promise((resolve, reject) => {
          call.release = () => resolve(w.detector.detect(img));
          signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'VeilError', code: '4099' })));
        });
      },
    };
  });
}

/** Starts blurOnRender on #feed with the page's detector, as `window.blur`. */
export const startBlur = (page: Page, options: object = {}) =>
  page.evaluate((options) => {
    const w = window as any;
    w.blur = w.veil.blurOnRender(document.getElementById('feed'), { detector: w.detector, ...options });
  }, options);

/** Served as the block image to an <img>, and as the pass image to fetch() and workers (test/support/server.ts). */
export const TWO_FACED = '/__by-dest?image=/__png/block&other=/__png/pass';
export const isRed = ([r, g, b]: number[]) => r! > 200 && g! < 60 && b! < 60;
export const isGreen = ([r, g, b]: number[]) => g! > 200 && r! < 60 && b! < 60;

/**
 * Where to look in the server's `/__png/<kind>` images (test/support/png.ts):
 * inside the block image's red patch, and inside the pass image's green one.
 */
export const BLOCK_POINT = [140, 95] as const;
export const PASS_POINT = [70, 70] as const;

/** Replaces the page with `#feed` holding `html`, and waits until its images have loaded (or failed to). */
export async function mountFeed(page: Page, html: string): Promise<void> {
  await page.evaluate(async (html) => {
    document.body.innerHTML = `<div id="feed" style="width:340px;display:grid;gap:16px">${html}</div>`;
    await Promise.all([...document.querySelectorAll('#feed img')].map((img) => (img as HTMLImageElement).decode().catch(() => undefined)));
  }, html);
}

/**
 * From now on, every frame in which blurOnRender runs (its stylesheet is in the
 * page), records in `window.leaks` each #feed image that is not fully blurred
 * while what it shows has the block image's red patch: drawn from the <img>
 * itself, so it is the picture on screen, whatever its URL.
 */
export async function watchForLeaks(page: Page): Promise<void> {
  await page.evaluate(([x, y]) => {
    const w = window as any;
    w.leaks = [];
    const ctx = new OffscreenCanvas(320, 240).getContext('2d', { willReadFrequently: true })!;
    const frame = () => {
      const running = document.querySelector('style[data-veil-style]');
      for (const img of running ? document.querySelectorAll<HTMLImageElement>('#feed img') : []) {
        const filter = getComputedStyle(img).filter;
        if (filter === 'blur(24px)') continue;
        try {
          ctx.clearRect(0, 0, 320, 240);
          ctx.drawImage(img, 0, 0, 320, 240);
          const [r, g, b] = ctx.getImageData(x, y, 1, 1).data;
          if (r! > 200 && g! < 60 && b! < 60) w.leaks.push({ i: img.dataset.i, filter, src: img.currentSrc.slice(0, 80) });
        } catch {
          // Not loaded (or not readable): nothing on screen to compare.
        }
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }, BLOCK_POINT);
}

export const leaks = (page: Page) => page.evaluate(() => (window as any).leaks as { i: string; filter: string; src: string }[]);

/** The pixel feed image i shows at (x, y), drawn from the <img> itself. */
export const pixel = (page: Page, i: number, [x, y]: readonly [number, number]) =>
  page.locator(`#feed img[data-i="${i}"]`).evaluate(
    (img: HTMLImageElement, [x, y]) => {
      const ctx = new OffscreenCanvas(320, 240).getContext('2d')!;
      ctx.drawImage(img, 0, 0, 320, 240);
      return [...ctx.getImageData(x!, y!, 1, 1).data.slice(0, 3)];
    },
    [x, y],
  );

/** Every value each #feed image's data-veil took, in order, from now on (in `window.seen`). */
export async function recordStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as any;
    w.seen = {};
    new MutationObserver((records) => {
      for (const r of records) {
        const img = r.target as HTMLImageElement;
        const value = img.getAttribute('data-veil');
        const list = (w.seen[img.dataset.i!] ??= []);
        if (value && list.at(-1) !== value) list.push(value);
      }
    }).observe(document.getElementById('feed')!, { subtree: true, attributes: true, attributeFilter: ['data-veil'] });
  });
}

export const seenStates = (page: Page) => page.evaluate(() => (window as any).seen as Record<string, string[]>);
