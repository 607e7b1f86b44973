/**
 * The browser extension (extension/), built and loaded into Debian's Chromium as
 * a user loads it unpacked, on local test sites (sites.ts). The fixture model is
 * installed as NudeNet through the options page, so each picture's verdict is
 * known. No image may be painted unblurred before its verdict, blocked ones stay
 * covered, clean ones are shown, the popup's settings apply without a reload, and
 * no request leaves the two local hosts.
 */
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { installModel, launch, loggedUrls, offscreenOpen, settings, type Browser } from './browser.js';
import { kindOf, startSites, type Sites } from './sites.js';
import { blurredAll, leaks, scrollThrough, states, watchFrames } from './watch.js';

const FIXTURE_MODEL = fileURLToPath(new URL('../../public/models/veil-fixture-320.onnx', import.meta.url));

test.describe.configure({ mode: 'serial' });

let sites: Sites;
let browser: Browser;

test.beforeAll(async () => {
  sites = await startSites();
  browser = await launch();
  await installModel(browser, FIXTURE_MODEL);
});

test.afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await sites?.close();
});

const expected = (ids: number[]) => Object.fromEntries(ids.map((i) => [String(i), kindOf(i)]));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('a feed with lazy loading and infinite scroll: each image blurred from its first frame, clean ones shown, the rest kept covered', async () => {
  const page = await browser.context.newPage();
  await watchFrames(page);
  await page.goto(`${sites.url}/feed`);
  await scrollThrough(page);
  await expect.poll(() => page.evaluate(() => document.querySelectorAll('#feed img').length)).toBe(100);
  await expect.poll(() => states(page), { timeout: 60_000 }).toEqual(expected(range(100)));
  await page.waitForTimeout(300); // the unblur transition
  const filters = await blurredAll(page);
  for (const i of range(100)) expect(filters[i], `image ${i}`).toBe(kindOf(i) === 'pass' ? 'none' : 'blur(24px)');
  await expect(page.locator('.veil-cover').filter({ hasText: 'Hidden: may contain nudity' })).toHaveCount(20);
  expect(await leaks(page)).toEqual([]);
  await page.close();
});
