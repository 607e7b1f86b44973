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
 * README advises for a feed: WASM threads leave one core to the page, so
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
