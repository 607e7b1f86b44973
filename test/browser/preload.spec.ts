/**
 * Starting a detector early: `preload()` begins the worker, the runtime and the
 * models' downloads, and `createDetector` takes them over (the network log shows
 * every file requested once); the downloads' progress; a worker that the browser
 * ends while it starts.
 */
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const CLASSIFIER = { name: 'nsfwjs-mobilenet-v2', model: '/public/models/nsfwjs-mobilenet-v2.onnx' };
const heavy = (p: string) => /\.(onnx|wasm)$|worker\.js$|ort[^/]*\.m?js$/.test(p);

test('preload() downloads before createDetector, which takes the downloads over: each file is requested once', async ({ harness, page, server }) => {
  test.setTimeout(90_000);
  const start = server.requests.length;
  await harness.open();
  const options = { model: modelUrl(320), classifier: CLASSIFIER, providers: ['wasm'] };
  await page.evaluate((options) => (window as any).veil.preload(options), options);
  const preloaded = server.requests.slice(start).filter(heavy);
  // Both models and the runtime were fetched before createDetector was called.
  expect(preloaded).toEqual(expect.arrayContaining([modelUrl(320), CLASSIFIER.model, '/dist/ort-wasm-simd-threaded.wasm', '/dist/worker.js']));

  const r = await page.evaluate(
    async ({ options, url }) => {
      const progress: any[] = [];
      const detector = await (window as any).veil.createDetector({ ...options, onProgress: (p: any) => progress.push(p) });
      const result = await detector.detect(url);
      detector.dispose();
      return { progress, info: detector.info, decision: result.decision, classes: result.detections.map((d: any) => d.cls), probabilities: result.raw.classifier.probabilities };
    },
    { options, url: imageUrl('landscape-640x480.jpg') },
  );
  const after = server.requests.slice(start).filter(heavy);
  expect(after, 'createDetector downloaded nothing again').toEqual(preloaded);
  // (onnxruntime-web's thread workers load its .mjs again, from the preloaded worker.)
  for (const file of [modelUrl(320), CLASSIFIER.model, '/dist/ort-wasm-simd-threaded.wasm', '/dist/worker.js']) expect(after.filter((p) => p === file), file).toHaveLength(1);
  expect(r.info).toMatchObject({ provider: 'wasm', modelCached: false });
  expect(Object.keys(r.probabilities).length).toBe(5);

  // The page heard each model's download from where it stood, never backwards, to its end.
  for (const model of [modelUrl(320), CLASSIFIER.model]) {
    const mine = r.progress.filter((p: any) => p.model.endsWith(model));
    expect(mine.length, model).toBeGreaterThan(0);
    for (let i = 1; i < mine.length; i++) expect(mine[i].loaded, model).toBeGreaterThanOrEqual(mine[i - 1].loaded);
    expect(mine.at(-1), model).toMatchObject({ cached: false });
    expect(mine.at(-1).loaded, model).toBe(mine.at(-1).total);
    expect(mine.at(-1).total, model).toBeGreaterThan(1000);
  }

  // The same detector without preload gives the same answer.
  const plain = await page.evaluate(
    async ({ options, url }) => {
      const detector = await (window as any).veil.createDetector({ ...options, cache: false });
      const result = await detector.detect(url);
      detector.dispose();
      return { decision: result.decision, classes: result.detections.map((d: any) => d.cls), probabilities: result.raw.classifier.probabilities };
    },
    { options, url: imageUrl('landscape-640x480.jpg') },
  );
  expect(plain).toEqual({ decision: r.decision, classes: r.classes, probabilities: r.probabilities });
});

test('a detector created with other options than preload() starts its own worker, with the model preload() kept', async ({ harness, page, server }) => {
  const start = server.requests.length;
  await harness.open();
  const r = await page.evaluate(async ({ model, url }) => {
    const veil = (window as any).veil;
    await veil.preload({ model, providers: ['wasm'], threads: 1 });
    const detector = await veil.createDetector({ model, providers: ['wasm'] });
    const result = await detector.detect(url);
    detector.dispose();
    return { info: detector.info, classes: result.detections.map((d: any) => d.cls) };
  }, { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') });
  expect(r.info.threads).toBeGreaterThan(1);
  expect(r.info.modelCached).toBe(true);
  expect(server.requests.slice(start).filter((p) => p === modelUrl(320))).toHaveLength(1);
  expect(r.classes.length).toBeGreaterThan(0);
});

test('a worker the browser ends while it starts fails createDetector with 5031 instead of leaving it pending', async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(async (model) => {
    const veil = (window as any).veil;
    const hung = new Promise((resolve) => setTimeout(() => resolve({ hung: true }), 20_000));
    const created = veil.createDetector({ model, providers: ['wasm'], workerUrl: '/test/browser/closing-worker.js' }).then(
      () => ({ resolved: true }),
      (e: any) => ({ code: e.code, message: e.message }),
    );
    return Promise.race([created, hung]);
  }, modelUrl(320));
  expect(r).toMatchObject({ code: '5031' });
  expect((r as any).message).toContain('stopped while it was starting');
});
