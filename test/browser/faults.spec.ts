/**
 * Faults: the detector keeps working and never leaves a promise pending when its
 * worker dies.
 */
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { killDetectorWorker } from '../support/workers.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

test('a dead worker is replaced on the next call, and calls in flight are answered, none left pending', async ({ harness, page }) => {
  await harness.open();
  await page.evaluate(async (model) => {
    (window as any).detector = await (window as any).veil.createDetector({ model, providers: ['wasm'], cache: false });
  }, modelUrl(320));

  // Calls in flight when the worker dies: each is sent again once on a new worker.
  await page.evaluate((url) => {
    const d = (window as any).detector;
    (window as any).inflight = Promise.all(
      Array.from({ length: 6 }, (_, i) => d.detect(`${url}?n=${i}`).then((r: any) => r.decision, (e: any) => e.code)),
    );
  }, imageUrl('landscape-640x480.jpg'));
  expect(await killDetectorWorker(page)).toBe(1);
  const inflight = await page.evaluate(() => (window as any).inflight);
  expect(inflight).toEqual(['block', 'block', 'block', 'block', 'block', 'block']);

  // And later calls simply work.
  expect(await killDetectorWorker(page)).toBe(1);
  const after = await page.evaluate((url) => (window as any).detector.detect(url).then((r: any) => r.detections.length), imageUrl('portrait-480x640.png'));
  expect(after).toBe(2);
  await page.evaluate(() => (window as any).detector.dispose());
});
