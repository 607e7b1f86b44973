/**
 * The whole-image classifier on real weights: nsfwjs's MobileNetV2, converted
 * to ONNX by `npm run model:fetch`, run in Veil's worker beside NudeNet or alone,
 * must give what nsfwjs itself gives in the same browser, on real photographs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const PHOTOS = fileURLToPath(new URL('../.cache/photos/', import.meta.url));
const photos = readdirSync(PHOTOS).filter((f) => /\.(jpe?g|png|webp)$/.test(f)).map((f) => `/test/.cache/photos/${f}`);
const CLASSIFIER = { name: 'nsfwjs-mobilenet-v2', model: '/public/models/nsfwjs-mobilenet-v2.onnx' };

test('the classifier gives nsfwjs\'s own probabilities on real photos, within 0.001', async ({ harness, page }) => {
  test.setTimeout(180_000);
  const images = [...photos, imageUrl('landscape-640x480.jpg'), imageUrl('portrait-480x640.png'), imageUrl('exif-rotated-480x640.jpg')];
  expect(photos.length).toBeGreaterThanOrEqual(7);
  await harness.open();
  const rows = await page.evaluate(
    async ({ images, classifier }) => {
      const { loadNsfwjs } = await import('/test/.cache/nsfwjs/nsfwjs-entry.js' as string);
      const { model } = await loadNsfwjs(1);
      const detector = await (window as any).veil.createDetector({ classifier, providers: ['wasm'], cache: false });
      const out = [];
      for (const url of images) {
        const img = new Image();
        img.src = url;
        await img.decode();
        const theirs: { className: string; probability: number }[] = await model.classify(img, 5);
        const ours = await detector.detect(url);
        out.push({ url, theirs: Object.fromEntries(theirs.map((t) => [t.className, t.probability])), ours: ours.raw.classifier.probabilities, result: ours });
      }
      detector.dispose();
      return out;
    },
    { images, classifier: CLASSIFIER },
  );
  let largest = 0;
  for (const { url, theirs, ours, result } of rows) {
    expect(Object.keys(ours).sort(), url).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    for (const [name, p] of Object.entries(theirs)) {
      const difference = Math.abs(p - ours[name]);
      largest = Math.max(largest, difference);
      expect(difference, `${url} ${name}: nsfwjs ${p}, Veil ${ours[name]}`).toBeLessThanOrEqual(0.001);
    }
    expect(result).toMatchObject({ backend: 'nsfwjs-mobilenet-v2', detections: [], runtime: { location: 'local', input_size: 224 } });
    expect(result.raw.nudenet).toBeUndefined();
  }
  console.log(`classifier vs nsfwjs on ${rows.length} images: largest probability difference ${largest.toExponential(2)}`);
  // Real photographs of people, a cat, a cup and a rocket: none of them porn.
  for (const { url, result } of rows.filter((r) => r.url.includes('/photos/'))) expect(result.label, url).not.toBe('porn');
});

test('NudeNet and the classifier together: one decode, both answers, the backend names both', async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(
    async ({ model, classifier, url }) => {
      const detector = await (window as any).veil.createDetector({ model, classifier, providers: ['wasm'], cache: false });
      const result = await detector.detect(url);
      const info = detector.info;
      detector.dispose();
      return { result, info };
    },
    { model: modelUrl(320), classifier: CLASSIFIER, url: imageUrl('landscape-640x480.jpg') },
  );
  expect(r.result.backend).toBe('nudenet+nsfwjs-mobilenet-v2');
  expect(r.result.detections.map((d: any) => d.cls)).toContain('FEMALE_BREAST_EXPOSED'); // the fixture model's red patch
  expect(r.result.raw.nudenet.length).toBe(r.result.detections.length);
  expect(Object.keys(r.result.raw.classifier.probabilities)).toHaveLength(5);
  expect(r.result.decision).toBe('block');
  expect(r.info).toMatchObject({ location: 'local', inputSize: 320, classifier: { name: 'nsfwjs-mobilenet-v2', provider: 'wasm', inputSize: 224 } });
});

test('any classifier by its description; a description that does not fit the file is refused with a sentence', async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(
    async ({ file, url }) => {
      const veil = (window as any).veil;
      const own = {
        name: 'my-classifier',
        model: file,
        inputSize: 224,
        classes: ['drawing', 'hentai', 'neutral', 'porn', 'sexy'],
        categories: { drawing: 'normal', hentai: 'porn', neutral: 'normal', porn: 'porn', sexy: 'sexy' },
      };
      const settle = (p: Promise<any>) => p.then((d: any) => (d.dispose?.(), 'started'), (e: any) => ({ code: e.code, message: e.message }));
      const detector = await veil.createDetector({ classifier: own, providers: ['wasm'] });
      const result = await detector.detect(url);
      detector.dispose();
      return {
        result: { backend: result.backend, classes: Object.keys(result.raw.classifier.probabilities) },
        wrongSize: await settle(veil.createDetector({ classifier: { ...own, inputSize: 299 }, providers: ['wasm'] })),
        wrongClasses: await settle(veil.createDetector({ classifier: { ...own, classes: ['a', 'b'], categories: { a: 'porn', b: 'normal' } }, providers: ['wasm'] })),
        badCategory: await settle(veil.createDetector({ classifier: { ...own, categories: { ...own.categories, sexy: 'spicy' } }, providers: ['wasm'] })),
        unknownName: await settle(veil.createDetector({ classifier: 'nsfwjs-v9' })),
      };
    },
    { file: CLASSIFIER.model, url: imageUrl('landscape-640x480.jpg') },
  );
  expect(r.result).toEqual({ backend: 'my-classifier', classes: ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] });
  expect(r.wrongSize).toMatchObject({ code: '5010', message: expect.stringContaining('takes [1,3,299,299]') });
  expect(r.wrongClasses).toMatchObject({ code: '5010', message: expect.stringContaining('gives [1,2]') });
  expect(r.badCategory).toMatchObject({ code: '4001', message: expect.stringContaining('"sexy" to porn, sexy or normal; got spicy') });
  expect(r.unknownName).toMatchObject({ code: '4001', message: expect.stringContaining('Unknown classifier "nsfwjs-v9"') });
});
