/**
 * What the tests read in a page: each image's state, whether it is blurred, and
 * a watch run before every frame that records any image shown unblurred while
 * it has no pass verdict, or while what it shows has the block pictures' red
 * patch (blocked under every policy): drawn from the <img> itself, so it is the
 * picture on screen.
 */
import { expect, type Page } from '@playwright/test';

export async function watchFrames(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as any;
    w.leaks = [];
    w.watching = true;
    const ctx = new OffscreenCanvas(32, 24).getContext('2d', { willReadFrequently: true })!;
    const flagged = (img: HTMLImageElement) => {
      try {
        ctx.clearRect(0, 0, 32, 24);
        ctx.drawImage(img, 0, 0, 32, 24);
        const d = ctx.getImageData(0, 0, 32, 24).data;
        for (let p = 0; p < d.length; p += 4) if (d[p]! > 200 && d[p + 1]! < 60 && d[p + 2]! < 60) return true;
      } catch {
        // Another site's image without CORS: its pixels cannot be read here, only its state.
      }
      return false;
    };
    const frame = () => {
      if (w.watching) {
        for (const img of document.images) {
          if (!img.complete || !img.naturalWidth) continue;
          const r = img.getBoundingClientRect();
          if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue; // not painted
          const filter = getComputedStyle(img).filter;
          if (filter.startsWith('blur(')) continue;
          const state = img.getAttribute('data-veil');
          if (state !== 'pass' || flagged(img)) w.leaks.push({ i: img.dataset.i, state, filter, src: img.currentSrc.slice(0, 60) });
        }
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

export const leaks = (page: Page) => page.evaluate(() => (window as any).leaks as unknown[]);

/** Each #feed image's data-veil, by its data-i. */
export const states = (page: Page) =>
  page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLImageElement>('#feed img')].map((img) => [img.dataset.i, img.getAttribute('data-veil')])));

export const blurredAll = (page: Page) =>
  page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLImageElement>('#feed img')].map((img) => [img.dataset.i, getComputedStyle(img).filter])));

/** The images in the viewport still waiting for their verdict. */
const waitingInView = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLImageElement>('#feed img')].filter((img) => {
      const r = img.getBoundingClientRect();
      return r.bottom > 0 && r.top < innerHeight && ['pending', 'scanning', null].includes(img.getAttribute('data-veil'));
    }).length,
  );

/**
 * Scrolls down with the mouse wheel, a screen at a time, as a reader who looks
 * at each screen until its pictures are checked, until the page stops growing.
 */
export async function scrollThrough(page: Page): Promise<void> {
  for (let still = 0; still < 3; ) {
    await expect.poll(() => waitingInView(page), { timeout: 30_000 }).toBe(0);
    const { y, max } = await page.evaluate(() => ({ y: scrollY, max: document.documentElement.scrollHeight - innerHeight }));
    if (y >= max) still++;
    else still = 0;
    await page.mouse.wheel(0, 700);
    await page.waitForTimeout(200);
  }
}
