/**
 * When onnxruntime-web cannot start as many WASM threads as asked (WebKitGTK
 * refused every thread before Veil exposed SharedArrayBuffer in its worker; a
 * browser may cap the workers a worker starts), the detector starts again with
 * fewer threads, then one, instead of failing, and `info` says which and why.
 * The worker given as `workerUrl` is Veil's own, allowed only so many thread
 * workers (test/browser/cap-thread-workers.js).
 */
import { imageUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

for (const [allow, threads, note] of [
  [1, 2, /^WASM runs on 2 threads: its session could not be created with 4 threads \(.*QuotaExceededError: This worker may start no more workers\.\)\.$/],
  [0, 1, /^WASM runs on 1 thread: its session could not be created with 4 or 2 threads \(.*QuotaExceededError: This worker may start no more workers\.\)\.$/],
] as const) {
  test(`4 threads asked, ${allow} thread worker(s) allowed: screens on ${threads} and says why`, async ({ harness, page }) => {
    await harness.open();
    const r = await page.evaluate(
      async ({ workerUrl, image }) => {
        const { createDetector } = (window as any).veil;
        const detector = await createDetector({ model: '/public/models/veil-fixture-320.onnx', providers: ['wasm'], threads: 4, workerUrl });
        const result = await detector.detect(image);
        detector.dispose();
        return { threads: detector.info.threads, notes: detector.info.notes, runtime: result.runtime, detections: result.raw.nudenet.length };
      },
      { workerUrl: `/test/browser/capped-threads-worker.js?allow=${allow}`, image: imageUrl('landscape-640x480.jpg') },
    );
    expect(r.threads).toBe(threads);
    expect(r.runtime.threads).toBe(threads);
    expect(r.notes).toEqual([expect.stringMatching(note)]);
    expect(r.detections).toBeGreaterThan(0);
  });
}
