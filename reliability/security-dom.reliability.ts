/**
 * blurOnRender against what a hostile post or host can do, one line each: Veil's
 * own attributes or inline styles in the page's HTML, a host that serves the
 * <img> other bytes than a fetch, <picture> and srcset switching files, a page
 * reusing an image, a Content-Security-Policy refusing blob:. Every case must end
 * in the states wanted, and in no frame may an image show the block image's red
 * patch without its full blur (test/browser/feed-page.ts: watchForLeaks).
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../test/browser/fixtures.js';
import { TWO_FACED, leaks, mountFeed, startBlur, startDetector, states, watchForLeaks } from '../test/browser/feed-page.js';
import { startServer, type TestServer } from '../test/support/server.js';
import { recordGroup } from './record.js';

interface Case {
  name: string;
  /** The images (data-i 0, 1...), as a user's post or a hostile host puts them on the page. */
  html: string;
  /** Each image's data-veil once checked. */
  want: string[];
  /** How each image's currentSrc must begin in the end: 'blob:', 'data:' or 'http:' (the page's own file). */
  shows?: string[];
  /** The page's Content-Security-Policy, for the cases about one. */
  csp?: string;
  /** Then: page-side code run on `feed` (the page reusing or copying images), or a new viewport width; and the states wanted after. */
  then?: { run?: string; width?: number; want: string[]; shows?: string[] };
}

const IMG = 'width="320" height="240"';
const BLOCK = `<img src="/__png/block" ${IMG} data-i="0">`;
const PICTURE = (wide: string) => `<picture><source media="(min-width: 1000px)" srcset="${wide}"><img src="/__png/pass" ${IMG} data-i="0"></picture>`;
const CROSS = '{cross}'; // replaced by the server's other origin (localhost for 127.0.0.1): shown, not readable

const CASES: Case[] = [
  { name: 'data-veil="pass" and data-veil-shown in the HTML', html: `<img data-veil="pass" data-veil-shown src="/__png/block" ${IMG} data-i="0">`, want: ['block'] },
  { name: 'data-veil-clear with guessed tokens', html: `<img data-veil-clear="00000000000000000000000000000000 veil pass" src="/__png/block" ${IMG} data-i="0">`, want: ['block'] },
  { name: 'inline filter:none!important', html: `<img style="filter:none!important" src="/__png/block" ${IMG} data-i="0">`, want: ['block'] },
  { name: 'inline slow transition!important, then the image reused', html: `<img style="transition:filter 9999s!important" src="/__png/pass" ${IMG} data-i="0">`, want: ['pass'], then: { run: `feed.querySelector('img').src = '/__png/block'`, want: ['block'] } },
  { name: 'a passed image copied with cloneNode', html: `<img src="/__png/pass" ${IMG} data-i="0">`, want: ['pass'], then: { run: `const c = feed.querySelector('img').cloneNode(); c.src = '/__png/block'; c.dataset.i = '1'; feed.append(c)`, want: ['pass', 'block'] } },
  { name: 'two-faced host, in src', html: `<img src="${TWO_FACED}" ${IMG} data-i="0">`, want: ['pass'], shows: ['blob:'] },
  { name: 'two-faced host, in srcset', html: `<img src="/__png/review" srcset="${TWO_FACED} 1x" ${IMG} data-i="0">`, want: ['pass'], shows: ['blob:'] },
  { name: 'two-faced host, in a <picture> source', html: `<picture><source srcset="${TWO_FACED}"><img src="/__png/review" ${IMG} data-i="0"></picture>`, want: ['pass'], shows: ['blob:'] },
  { name: 'two-faced host, fetch() given a review image', html: `<img src="/__by-dest?image=/__png/block&amp;other=/__png/review" ${IMG} data-i="0">`, want: ['review'], shows: ['blob:'] },
  { name: '<picture> switching to a block source at a breakpoint', html: PICTURE('/__png/block'), want: ['pass'], then: { width: 1200, want: ['block'], shows: ['blob:'] } },
  { name: '<picture> switching to a two-faced source at a breakpoint', html: PICTURE(TWO_FACED), want: ['pass'], then: { width: 1200, want: ['pass'], shows: ['blob:'] } },
  { name: 'page reuses a passed image for a block one', html: `<img src="/__png/pass" ${IMG} data-i="0">`, want: ['pass'], then: { run: `feed.querySelector('img').src = '/__png/block'`, want: ['block'] } },
  { name: 'page reuses a passed image for a two-faced one', html: `<img src="/__png/pass" ${IMG} data-i="0">`, want: ['pass'], then: { run: `feed.querySelector('img').src = '${TWO_FACED}'`, want: ['pass'], shows: ['blob:'] } },
  { name: 'fetch() answered 404, the <img> a block image', html: `<img src="/__by-dest?image=/__png/block&amp;other=/__status/404" ${IMG} data-i="0">`, want: ['error'] },
  { name: 'fetch() answered text, the <img> a block image', html: `<img src="/__by-dest?image=/__png/block&amp;other=/__status/200" ${IMG} data-i="0">`, want: ['error'] },
  { name: 'cross-origin without CORS (unreadable)', html: `<img src="${CROSS}/__png/block?cors=0" ${IMG} data-i="0">`, want: ['error'], shows: ['http:'] },
  { name: "CSP img-src 'self' blob:", csp: "img-src 'self' blob:", html: `<img src="${TWO_FACED}" ${IMG} data-i="0">`, want: ['pass'], shows: ['blob:'] },
  { name: "CSP img-src 'self' data:", csp: "img-src 'self' data:", html: `<img src="${TWO_FACED}" ${IMG} data-i="0">`, want: ['pass'], shows: ['data:'] },
  { name: "CSP img-src 'self' (neither)", csp: "img-src 'self'", html: `<img src="${TWO_FACED}" ${IMG} data-i="0">`, want: ['error'], shows: ['http:'] },
  { name: "CSP img-src 'self', a block image", csp: "img-src 'self'", html: BLOCK, want: ['block'] },
];

/** Polls the images' states until they are `want` (or 20 s pass); returns the last seen. */
async function until(page: Page, want: string[]): Promise<(string | null)[]> {
  let got: (string | null)[] = [];
  for (const end = Date.now() + 20_000; Date.now() < end; await page.waitForTimeout(100)) {
    got = await states(page);
    if (JSON.stringify(got) === JSON.stringify(want)) break;
  }
  return got;
}

/** What is wrong with the page now, against `want` and `shows`: state, blur, covers, file shown. */
async function problems(page: Page, want: string[], shows: string[] | undefined, got: (string | null)[]): Promise<string[]> {
  if (JSON.stringify(got) !== JSON.stringify(want)) return [`states ${JSON.stringify(got)}, want ${JSON.stringify(want)}`];
  await page.waitForTimeout(300); // the unblur transition
  const seen = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLImageElement>('#feed img')].map((img) => ({ filter: getComputedStyle(img).filter, src: img.currentSrc.slice(0, 5) })),
  );
  const out: string[] = [];
  seen.forEach(({ filter, src }, i) => {
    if ((filter === 'none') !== (want[i] === 'pass')) out.push(`image ${i} (${want[i]}) has filter ${filter}`);
    if (shows?.[i] && src !== shows[i]) out.push(`image ${i} shows ${src}…, want ${shows[i]}…`);
  });
  const covers = await page.locator('.veil-cover').count();
  const held = want.filter((s) => s !== 'pass').length;
  if (covers !== held) out.push(`${covers} covers, want ${held}`);
  return out;
}

async function runCase(page: Page, server: TestServer, c: Case): Promise<string[]> {
  await page.setViewportSize({ width: 800, height: 700 });
  await page.goto(`${server.url}/test/browser/harness.html`);
  await page.waitForFunction(() => 'veil' in window, undefined, { timeout: 30_000 });
  await startDetector(page);
  await mountFeed(page, c.html.replaceAll(CROSS, server.url.replace('127.0.0.1', 'localhost')));
  await watchForLeaks(page);
  await startBlur(page);
  const out = await problems(page, c.want, c.then ? undefined : c.shows, await until(page, c.want));
  if (c.then && !out.length) {
    if (c.then.run) await page.evaluate((run) => new Function('feed', run)(document.getElementById('feed')), c.then.run);
    if (c.then.width) await page.setViewportSize({ width: c.then.width, height: 700 });
    // The change is seen before the new verdict: wait until it has left the old one, then for the new.
    await page.waitForTimeout(200);
    out.push(...(await problems(page, c.then.want, c.then.shows, await until(page, c.then.want))).map((p) => `then: ${p}`));
  }
  const leaked = await leaks(page);
  if (leaked.length) out.push(`the block image shown unblurred in ${leaked.length} frames (first: ${JSON.stringify(leaked[0])})`);
  return out;
}

test(`security-dom: ${CASES.length} cases`, async ({ page, server }) => {
  const failures: string[] = [];
  for (const c of CASES) {
    const own = c.csp ? await startServer({ csp: c.csp }) : null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // A case that hangs is a failure of its own, not the end of the group.
      const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no end within 90 s')), 90_000)));
      const out = await Promise.race([runCase(page, own ?? server, c), limit]);
      failures.push(...out.map((p) => `${c.name}: ${p}`));
    } catch (error) {
      failures.push(`${c.name}: ${String(error).split('\n')[0]}`);
    } finally {
      clearTimeout(timer);
      await own?.close();
    }
  }
  const failed = new Set(failures.map((f) => f.split(': ')[0])).size;
  recordGroup('security-dom', { tried: CASES.length, passed: CASES.length - failed, failures });
  expect(failures).toEqual([]);
});
