/**
 * `<veil-image>` and veil-nsfw/react as their users get them: the packed tarball
 * in the consumer apps (test/consumers/, shared with consumers.spec.ts): a plain
 * page with an import map, one Vite app with a page each for React, Vue 3 and
 * Svelte 5, and the Next.js app's server-rendered page. In each, the blocked photo
 * stays covered, the clean one is shown, and each image's events fire once.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { test } from '../consumers/fixture.js';
import { nextStart } from '../consumers/next-start.js';
import { serveStatic } from '../consumers/static-server.js';

interface VeilEvent {
  type: string;
  id: string;
  decision: string | null;
  error: string | null;
}

/** What a person sees of one `<veil-image>`: its state, whether its picture is blurred, and its cover. */
async function look(page: Page, id: string) {
  return page.evaluate((id) => {
    const el = document.getElementById(id) as any;
    // Not there or not defined yet (a page still hydrating).
    if (!el?.shadowRoot) return { state: 'undefined' };
    const img = el.shadowRoot.querySelector('img') as HTMLImageElement;
    const cover = el.shadowRoot.querySelector('.veil-cover');
    return {
      state: el.state as string,
      decision: el.result?.decision ?? null,
      blurred: getComputedStyle(img).filter !== 'none',
      covered: !!cover && getComputedStyle(cover).display !== 'none',
      shows: img.currentSrc.slice(0, 5),
    };
  }, id);
}

/** The page's images settle: the blocked one covered, the clean one shown, each event once. */
async function expectScreened(page: Page): Promise<void> {
  await expect.poll(() => look(page, 'blocked'), { timeout: 60_000 }).toEqual({ state: 'block', decision: 'block', blurred: true, covered: true, shows: 'blob:' });
  await expect.poll(() => look(page, 'clean')).toEqual({ state: 'pass', decision: 'pass', blurred: false, covered: false, shows: 'blob:' });
  // Time for a second event, were one coming.
  await page.waitForTimeout(300);
  const events: VeilEvent[] = await page.evaluate(() => (window as any).veilEvents);
  const of = (id: string) => events.filter((e) => e.id === id).map((e) => `${e.type} ${e.decision}`);
  expect(of('blocked')).toEqual(['veil-result block', 'veil-blocked block']);
  expect(of('clean')).toEqual(['veil-result pass']);
  expect(events.filter((e) => e.type === 'veil-error')).toEqual([]);
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  // React reports hydration mismatches with console.error.
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('<veil-image> in a plain page: covered, shown, in a <picture>, by keyboard, no layout shift, no serious axe finding', async ({ apps, page }) => {
  const host = await serveStatic([apps.app['no-bundler']]);
  try {
    const errors = watchErrors(page);
    await page.addInitScript(() => {
      (window as any).shifts = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as any[]) (window as any).shifts += e.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    await page.setViewportSize({ width: 1120, height: 480 });
    await page.goto(`${host.url}/element.html`);
    await page.waitForFunction(() => customElements.get('veil-image'));
    const box = () => page.evaluate(() => [...document.querySelectorAll('veil-image')].map((el) => JSON.stringify(el.getBoundingClientRect())));
    const before = await box();
    await expectScreened(page);
    expect(await box()).toEqual(before);
    expect(before.map((b) => JSON.parse(b)).map((r: DOMRect) => [r.width, r.height])).toEqual([[320, 240], [320, 240], [320, 240]]);
    expect(await page.evaluate(() => (window as any).shifts)).toBe(0);

    // In a <picture>, its <source> chose the file (the blocking one), and that file was checked.
    await expect.poll(() => look(page, 'in-picture')).toEqual({ state: 'block', decision: 'block', blurred: true, covered: true, shows: 'blob:' });

    mkdirSync('test/screenshots', { recursive: true });
    await page.screenshot({ path: 'test/screenshots/veil-image.png' });

    // Serious or critical accessibility findings, with the covers up (axe reads open shadow roots).
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await page.addScriptTag({ content: axe });
    const violations = await page.evaluate(async () => {
      const { violations } = await (window as any).axe.run(document);
      return violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => `${v.id}: ${v.help}`);
    });
    expect(violations).toEqual([]);

    // The Show button, by keyboard: named after the image, a toggle.
    const show = page.locator('#blocked').getByRole('button', { name: 'Show: A photo the policy blocks' });
    await expect(show).toHaveAttribute('aria-pressed', 'false');
    await page.keyboard.press('Tab');
    await expect(show).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('#blocked').getByRole('button', { name: 'Hide: A photo the policy blocks' })).toHaveAttribute('aria-pressed', 'true');
    await expect.poll(async () => (await look(page, 'blocked')).blurred).toBe(false);
    expect((await look(page, 'blocked')).state).toBe('block');

    // A new src is blurred at once and checked again: one more result, for the new picture.
    await page.evaluate(() => document.getElementById('clean')!.setAttribute('src', '/block.png'));
    await expect.poll(() => look(page, 'clean')).toEqual({ state: 'block', decision: 'block', blurred: true, covered: true, shows: 'blob:' });
    const clean = (await page.evaluate(() => (window as any).veilEvents as VeilEvent[])).filter((e) => e.id === 'clean').map((e) => `${e.type} ${e.decision}`);
    expect(clean).toEqual(['veil-result pass', 'veil-result block', 'veil-blocked block']);
    expect(errors).toEqual([]);
  } finally {
    await host.close();
  }
});

test('<veil-image> under prefers-reduced-motion: the clean image is shown without a transition', async ({ apps, page }) => {
  const host = await serveStatic([apps.app['no-bundler']]);
  try {
    const transition = () => page.evaluate(() => getComputedStyle((document.getElementById('clean') as any).shadowRoot.querySelector('img')).transitionDuration);
    await page.goto(`${host.url}/element.html`);
    await expect.poll(async () => (await look(page, 'clean')).state, { timeout: 60_000 }).toBe('pass');
    expect(await transition()).toBe('0.2s');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    expect(await transition()).toBe('0s');
  } finally {
    await host.close();
  }
});

for (const framework of ['react', 'vue', 'svelte'] as const) {
  test(`${framework} (Vite build): the blocked photo stays covered, the clean one is shown, events once`, async ({ apps, page }) => {
    const host = await serveStatic([join(apps.app.components, 'dist')]);
    try {
      const errors = watchErrors(page);
      await page.goto(`${host.url}/${framework}.html`);
      await expectScreened(page);
      // The framework's own binding heard each result.
      await expect(page.locator('#decisions')).toHaveText(/"blocked":"block"/);
      await expect(page.locator('#decisions')).toHaveText(/"clean":"pass"/);
      expect(errors).toEqual([]);
    } finally {
      await host.close();
    }
  });
}

test('React: useScreenedUpload holds back the blocked file with its sentence, in StrictMode', async ({ apps, page }) => {
  const host = await serveStatic([join(apps.app.components, 'dist')]);
  try {
    const errors = watchErrors(page);
    await page.goto(`${host.url}/react.html?upload`);
    const png = (name: string) => ({ name, mimeType: 'image/png', buffer: readFileSync(join(apps.app.components, 'public', name)) });
    await page.locator('#files').setInputFiles([png('pass.png'), png('block.png')]);
    await expect(page.locator('#states li')).toHaveText(['pass.png: pass', 'block.png: block'], { timeout: 60_000 });
    await expect(page.getByRole('alert')).toHaveText([/block\.png.*cannot be uploaded/]);
    await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
    await page.locator('#files').setInputFiles([png('pass.png')]);
    await expect(page.locator('#states li')).toHaveText(['pass.png: pass']);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Publish' })).toBeEnabled();
    expect(errors).toEqual([]);
  } finally {
    await host.close();
  }
});

test('React: 200 screened images mounted and unmounted 20 times in StrictMode leave no worker, object URL, observer or listener', async ({ apps, page }) => {
  test.setTimeout(180_000);
  const host = await serveStatic([join(apps.app.components, 'dist')]);
  try {
    const errors = watchErrors(page);
    // Count what the library starts and stops, by wrapping the page's own constructors.
    await page.addInitScript(() => {
      const live = { workers: 0, workersMade: 0, urls: 0, urlsMade: 0, observers: 0, mediaListeners: 0 };
      (window as any).live = live;
      const NativeWorker = Worker;
      (window as any).Worker = class extends NativeWorker {
        #ended = false;
        constructor(...args: ConstructorParameters<typeof Worker>) {
          super(...args);
          live.workers++;
          live.workersMade++;
        }
        override terminate() {
          if (!this.#ended) live.workers--;
          this.#ended = true;
          super.terminate();
        }
      };
      const made = new Set<string>();
      const create = URL.createObjectURL;
      URL.createObjectURL = (obj) => {
        const url = create(obj);
        made.add(url);
        live.urls++;
        live.urlsMade++;
        return url;
      };
      const revoke = URL.revokeObjectURL;
      URL.revokeObjectURL = (url) => {
        if (made.delete(url)) live.urls--;
        revoke(url);
      };
      for (const Observer of [IntersectionObserver, MutationObserver]) {
        const connected = new WeakSet<object>();
        const observe = Observer.prototype.observe;
        Observer.prototype.observe = function (this: any, ...args: any[]) {
          if (!connected.has(this)) live.observers++;
          connected.add(this);
          return (observe as any).apply(this, args);
        };
        const disconnect = Observer.prototype.disconnect;
        Observer.prototype.disconnect = function (this: any) {
          if (connected.delete(this)) live.observers--;
          return disconnect.call(this);
        };
      }
      const add = MediaQueryList.prototype.addEventListener;
      MediaQueryList.prototype.addEventListener = function (this: MediaQueryList, ...args: any[]) {
        live.mediaListeners++;
        return (add as any).apply(this, args);
      };
      const remove = MediaQueryList.prototype.removeEventListener;
      MediaQueryList.prototype.removeEventListener = function (this: MediaQueryList, ...args: any[]) {
        live.mediaListeners--;
        return (remove as any).apply(this, args);
      };
    });
    await page.goto(`${host.url}/react.html?list=200`);
    const cdp = await page.context().newCDPSession(page);
    const listeners = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Memory.getDOMCounters')).jsEventListeners;
    };
    const settledCount = () =>
      page.evaluate(() => [...document.querySelectorAll('veil-image')].filter((el: any) => el.state === 'pass' || el.state === 'block').length);
    const show = (shown: boolean) => page.evaluate((shown) => (window as any).setShown(shown), shown);

    await page.waitForFunction(() => document.querySelectorAll('veil-image').length === 200);
    // StrictMode is at work: the page's mount effect ran, was cleaned up, and ran again.
    expect(await page.evaluate(() => (window as any).mountEffects)).toBe(2);
    await expect.poll(settledCount, { timeout: 60_000 }).toBeGreaterThanOrEqual(4);
    await show(false);
    const idle = async () => {
      await expect.poll(() => page.evaluate(() => (window as any).live.workers), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => page.evaluate(() => (window as any).live.urls), { timeout: 10_000 }).toBe(0);
      return { ...(await page.evaluate(() => (window as any).live)), listeners: await listeners() };
    };
    // After the first rounds, what the page keeps for good is in place (Vite's preload polyfill keeps an observer,
    // the page its own listeners); the later rounds must add nothing to it.
    let baseline: Record<string, number> = {};
    for (let round = 1; round < 20; round++) {
      await show(true);
      await page.waitForFunction(() => document.querySelectorAll('veil-image').length === 200);
      // Some rounds unmount with checks still running, which must be cancelled cleanly too.
      if (round % 2 === 0) await expect.poll(settledCount, { timeout: 60_000 }).toBeGreaterThanOrEqual(4);
      await show(false);
      await page.waitForFunction(() => document.querySelectorAll('veil-image').length === 0);
      if (round === 4) baseline = await idle();
    }
    const after = await idle();
    console.log(`React StrictMode, 200 images x 20: after 5 rounds ${JSON.stringify(baseline)}; after 20 ${JSON.stringify(after)}`);
    expect(after).toMatchObject({ workers: 0, urls: 0, observers: baseline.observers, mediaListeners: baseline.mediaListeners });
    // The count moves by one either way between runs (161-163 after 20 rounds against 162 after 5): a listener of
    // some task still settling. A leak stays, and one a round would be 15 more: wait out what settles, then compare.
    if (after.listeners > baseline.listeners!) await expect.poll(listeners, { timeout: 10_000 }).toBeLessThanOrEqual(baseline.listeners!);
    // A detector per mount that checked an image: StrictMode's trial mount makes none.
    expect(after.workersMade).toBeLessThanOrEqual(20);
    expect(errors).toEqual([]);
  } finally {
    await host.close();
  }
});

for (const name of ['next-turbopack', 'next-webpack'] as const) {
  test(`Next.js (${name.slice(5)}): <ScreenedImage> rendered on the server, hydrated without a warning, then screened`, async ({ apps, page }) => {
    const server = await nextStart(apps.app[name]);
    try {
      // The server's HTML already holds the elements, with their attributes.
      const html = await (await fetch(`${server.url}/components`)).text();
      expect(html).toMatch(/<veil-image[^>]*id="blocked"[^>]*>/);
      expect(html).toMatch(/<veil-image[^>]*src="\/pass.png"[^>]*>/);
      const errors = watchErrors(page);
      await page.addInitScript(() => {
        (window as any).veilEvents = [];
        for (const type of ['veil-result', 'veil-blocked', 'veil-error']) {
          document.addEventListener(type, (e: any) => {
            (window as any).veilEvents.push({ type, id: e.target.id, decision: e.detail.result?.decision ?? null, error: e.detail.error ? String(e.detail.error.message) : null });
          });
        }
      });
      await page.goto(`${server.url}/components`);
      await expectScreened(page);
      await expect(page.locator('#decisions')).toHaveText(/"blocked":"block"/);
      // No hydration warning, nor any other.
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
  });
}

test("docs/components.md shows each framework's page as the suite builds and runs it", () => {
  const docs = readFileSync('docs/components.md', 'utf8');
  const block = (lang: string) => new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(docs)?.[1];
  for (const [lang, file] of [['jsx', 'App.jsx'], ['vue', 'App.vue'], ['svelte', 'App.svelte']]) {
    expect(block(lang), file).toBe(readFileSync(join('test/consumers/components/src', file), 'utf8'));
  }
});
