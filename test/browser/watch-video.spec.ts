/**
 * watchVideo on a live camera (Chromium's fake camera, playing a generated clip
 * that alternates a clean segment and a blocking one) and on a <video> playing a
 * WebM file: the blur and its cover follow each frame's verdict, frames are
 * taken at most `fps` a second and dropped rather than queued while one is being
 * screened, the page's thread stays free, and stop() leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.js';
import { ROOT, modelUrl } from '../support/fixture-data.js';
import { watchMainThread } from '../support/trace.js';
import { expect, test } from './fixtures.js';

const CLIPS = join(ROOT, 'test/.cache/camera');
const CAMERA_CLIP = join(CLIPS, 'alternating.y4m');

// This file's browser has a camera that plays the clip in a loop; its tests share a page (fixtures.ts).
test.use({
  onePage: true,
  launchOptions: {
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, '--disable-features=BackForwardCache', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${CAMERA_CLIP}`],
  },
});

interface Seen {
  decision: string;
  time_s: number;
  /** The video's computed filter and cover as onResult saw them: what a person sees with this verdict. */
  filter: string;
  covered: boolean;
  at: number;
}

/**
 * Starts watchVideo on `#v` with a detector that counts its calls (and, with
 * `delayMs`, takes that long over each), recording what each result looked like.
 */
async function watch(page: Page, { fps = 2, delayMs = 0 } = {}) {
  await page.evaluate(
    async ({ model, fps, delayMs }) => {
      const w = window as any;
      const real = await w.veil.createDetector({ model, providers: ['wasm'] });
      w.seen = [] as Seen[];
      w.calls = [] as { start: number; end?: number }[];
      const detector = {
        async detect(input: ImageBitmap, options: { signal: AbortSignal }) {
          const call: { start: number; end?: number } = { start: performance.now() };
          w.calls.push(call);
          try {
            if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
            return await real.detect(input, options);
          } finally {
            call.end = performance.now();
          }
        },
      };
      const video = document.getElementById('v') as HTMLVideoElement;
      w.started = performance.now();
      w.watch = w.veil.watchVideo(video, {
        detector,
        fps,
        onResult(result: any, frame: { time_s: number }) {
          w.seen.push({
            decision: result.decision,
            time_s: frame.time_s,
            filter: getComputedStyle(video).filter,
            covered: !!document.querySelector('.veil-cover'),
            at: performance.now(),
          });
        },
      });
    },
    { model: modelUrl(320), fps, delayMs },
  );
}

const seen = (page: Page): Promise<Seen[]> => page.evaluate(() => (window as any).seen);

/** Screenings started, and the seconds since the watch started: the fps bound is about these. */
const pace = (page: Page) =>
  page.evaluate(() => {
    const w = window as any;
    const calls: { start: number; end?: number }[] = w.calls;
    const overlapping = calls.some((c, i) => i > 0 && c.start < (calls[i - 1]!.end ?? Infinity));
    return { calls: calls.length, seconds: (performance.now() - w.started) / 1000, overlapping };
  });

/** Everything watchVideo may add, to show that stop() took it all away. */
const leftovers = (page: Page) =>
  page.evaluate(() => {
    const video = document.getElementById('v')!;
    return {
      covers: document.querySelectorAll('.veil-cover').length,
      styles: document.querySelectorAll('style[data-veil-style]').length,
      attributes: video.getAttributeNames().filter((a) => a.startsWith('data-veil') || a === 'style'),
      filter: getComputedStyle(video).filter,
    };
  });

function assertBlurFollows(results: Seen[]): void {
  for (const r of results) {
    if (r.decision === 'block') expect(r, 'a blocking frame blurs the video under a cover').toMatchObject({ filter: expect.stringContaining('blur('), covered: true });
    else expect(r, 'a clean frame shows the video').toMatchObject({ filter: 'none', covered: false });
  }
}

test.describe('on a camera', () => {
  test.beforeAll(() => expect(existsSync(CAMERA_CLIP), 'the camera clip is missing: run node test/fixtures/prepare.mjs (npm test does)').toBe(true));
  async function openCamera(page: Page, harness: { open(): Promise<void> }): Promise<void> {
    await harness.open();
    await page.evaluate(async () => {
      const video = document.body.appendChild(document.createElement('video'));
      video.id = 'v';
      video.muted = true;
      video.playsInline = true;
      video.width = 320;
      video.height = 240;
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
      await video.play();
    });
  }

  test('the blur follows the verdict, frames come at most fps a second, the page stays free, stop() cleans up', async ({ harness, page, consoleErrors }) => {
    await openCamera(page, harness);
    const main = await watchMainThread(page, async () => {
      await watch(page, { fps: 2 });
      // The camera loops its clip: blocked, clean again, and blocked once more.
      await expect(page.locator('#v')).toHaveAttribute('data-veil', 'block', { timeout: 30_000 });
      await expect(page.locator('.veil-cover')).toBeVisible();
      await expect(page.locator('.veil-cover button')).toHaveAccessibleName('Show video');
      expect(await page.locator('#v').evaluate((v) => getComputedStyle(v).filter)).toContain('blur(24px)');
      await expect(page.locator('#v')).toHaveAttribute('data-veil', 'pass', { timeout: 30_000 });
      await expect(page.locator('.veil-cover')).toHaveCount(0);
      expect(await page.locator('#v').evaluate((v) => getComputedStyle(v).filter)).toBe('none');
      await expect(page.locator('#v')).toHaveAttribute('data-veil', 'block', { timeout: 30_000 });
    });

    const results = await seen(page);
    expect(results.map((r) => r.decision)).toEqual(expect.arrayContaining(['block', 'pass']));
    assertBlurFollows(results);
    const { calls, seconds, overlapping } = await pace(page);
    console.log(`camera: ${calls} frames screened in ${seconds.toFixed(1)} s at fps 2; long tasks ${JSON.stringify(main.longTasks)}, most CPU in one task ${main.maxCpuMs} ms`);
    expect(calls).toBeLessThanOrEqual(2 * seconds + 1);
    expect(overlapping).toBe(false);
    // No task of the page's own used the main thread for more than 50 ms; a long task beyond that was the machine, not the page.
    expect(main.maxCpuMs).toBeLessThanOrEqual(50);
    expect(main.longTasks.length).toBeLessThanOrEqual(main.wallLong);

    await page.evaluate(() => (window as any).watch.stop());
    expect(await leftovers(page)).toEqual({ covers: 0, styles: 0, attributes: [], filter: 'none' });
    const count = (await seen(page)).length;
    await page.waitForTimeout(2000);
    expect((await seen(page)).length, 'no result after stop()').toBe(count);
    expect(consoleErrors).toEqual([]);
  });

  test('a detector slower than fps: frames are dropped, never queued', async ({ harness, page }) => {
    await openCamera(page, harness);
    await watch(page, { fps: 10, delayMs: 700 });
    await page.waitForFunction(() => (window as any).seen.length >= 4, null, { timeout: 30_000 });
    const { calls, seconds, overlapping } = await pace(page);
    console.log(`slow detector: ${calls} frames screened in ${seconds.toFixed(1)} s at fps 10, 700 ms each`);
    expect(overlapping).toBe(false);
    // One at a time, 700 ms each: far fewer than the 10 a second asked for, and none waiting.
    expect(calls).toBeLessThanOrEqual(seconds / 0.7 + 1);
    await page.evaluate(() => (window as any).watch.stop());
  });
});

test('a <video> playing a WebM file: each frame judged at its own time, Show lifts the blur until the verdict changes', async ({ harness, page }) => {
  expect(existsSync(join(CLIPS, 'alternating.webm')), 'the clips are missing: run node test/fixtures/prepare.mjs (npm test does)').toBe(true);
  await harness.open();
  await page.evaluate(async () => {
    const video = document.body.appendChild(document.createElement('video'));
    video.id = 'v';
    video.muted = true;
    video.loop = true;
    video.src = '/test/.cache/camera/alternating.webm';
    await video.play();
  });
  await watch(page, { fps: 4 });
  await expect(page.locator('#v')).toHaveAttribute('data-veil', 'block', { timeout: 30_000 });

  // The reader chooses to see it: the blur comes off while the verdict stays.
  const show = page.getByRole('button', { name: 'Show video' });
  await show.click();
  await expect(page.getByRole('button', { name: 'Hide video' })).toHaveAttribute('aria-pressed', 'true');
  expect(await page.locator('#v').evaluate((v) => getComputedStyle(v).filter)).toBe('none');
  await expect(page.locator('#v')).toHaveAttribute('data-veil', 'block');

  // Clean frames take the cover away; the next blocking stretch is blurred again.
  await expect(page.locator('#v')).toHaveAttribute('data-veil', 'pass', { timeout: 30_000 });
  await expect(page.locator('.veil-cover')).toHaveCount(0);
  await expect(page.locator('#v')).toHaveAttribute('data-veil', 'block', { timeout: 30_000 });
  expect(await page.locator('#v').evaluate((v) => getComputedStyle(v).filter)).toContain('blur(');
  await expect(page.getByRole('button', { name: 'Show video' })).toBeVisible();

  // The clip blocks from 3 s to 6 s: each result is for the frame at its time_s.
  const results = await seen(page);
  for (const r of results) expect(r.decision === 'block', `frame at ${r.time_s} s`).toBe(r.time_s >= 3 && r.time_s < 6);
  const { calls, seconds } = await pace(page);
  expect(calls).toBeLessThanOrEqual(4 * seconds + 1);

  await page.evaluate(() => (window as any).watch.stop());
  expect(await leftovers(page)).toEqual({ covers: 0, styles: 0, attributes: [], filter: 'none' });
});

test('watchVideo refuses what it cannot watch', async ({ harness, page }) => {
  await harness.open();
  const codes = await page.evaluate(() => {
    const { watchVideo } = (window as any).veil;
    const attempt = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (error: any) {
        return error.code;
      }
    };
    const video = document.createElement('video');
    return [
      attempt(() => watchVideo(document.createElement('img'), { detector: { detect() {} } })),
      attempt(() => watchVideo(video, {})),
      attempt(() => watchVideo(video, { detector: { detect() {} }, fps: 0 })),
    ];
  });
  expect(codes).toEqual(['4000', '4001', '4001']);
});
