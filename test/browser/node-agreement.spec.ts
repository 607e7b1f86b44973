/**
 * veil-nsfw/node answers as the browser library does. The same files, as Blobs, go
 * through the built library in Chromium (WASM) and through the Node entry in this
 * process (onnxruntime-node on the CPU, sharp), with the fixture NudeNet model
 * alone and with nsfwjs's MobileNetV2 beside it: every fixture image, every real
 * photograph, and an animated GIF and WebP. Same input block, backend, decision,
 * label and classes, boxes 0 px apart, scores and probabilities within float
 * noise. The figures go to test-results/node-agreement.json and are printed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDetector, type NodeModerationResult } from '../../src/node/index.js';
import type { ModerationResult } from '../../src/result.js';
import { modelUrl, ROOT } from '../support/fixture-data.js';
import { phonePhotos } from '../support/big-photos.js';
import { CLASSIFIER, CLASSIFIER_MODEL, IMAGES, MODEL_320, PHOTOS } from '../support/gateway.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const HOSTILE = join(ROOT, 'test/.cache/hostile');

function images(): { name: string; bytes: Buffer }[] {
  const list = (dir: string, pattern: RegExp) => readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => ({ name: f, bytes: readFileSync(join(dir, f)) }));
  return [...list(IMAGES, /\.(jpe?g|png|webp|gif|bmp)$/), ...list(PHOTOS, /\.(jpe?g|png|webp)$/), ...list(HOSTILE, /^animated\.(gif|webp)$/)];
}

/** How far the Node answer is from the browser's: what must be equal, and the largest numeric gaps. */
function compare(browser: ModerationResult, node: NodeModerationResult) {
  const b = browser.raw.nudenet ?? [];
  const n = node.raw.nudenet ?? [];
  const sameClasses = b.length === n.length && b.every((d, i) => d.class === n[i]!.class);
  let boxPx = sameClasses ? 0 : Infinity;
  let score = Math.abs(browser.score - node.score);
  for (const key of ['porn', 'sexy', 'normal'] as const) score = Math.max(score, Math.abs(browser.categories[key] - node.categories[key]));
  if (sameClasses) {
    b.forEach((d, i) => {
      d.box.forEach((v, k) => (boxPx = Math.max(boxPx, Math.abs(v - n[i]!.box[k]!))));
      score = Math.max(score, Math.abs(d.score - n[i]!.score));
    });
  }
  const theirs = browser.raw.classifier?.probabilities ?? {};
  const ours = node.raw.classifier?.probabilities ?? {};
  const probability = Math.max(0, ...Object.keys(theirs).map((c) => Math.abs(theirs[c]! - (ours[c] ?? Infinity))));
  return {
    sameInput: JSON.stringify(browser.input) === JSON.stringify(node.input),
    sameBackend: browser.backend === node.backend,
    sameDecision: browser.decision === node.decision,
    sameLabel: browser.label === node.label,
    sameClasses,
    sameAnimation: JSON.stringify(browser.animation) === JSON.stringify(node.animation),
    sameProbabilityClasses: Object.keys(theirs).join() === Object.keys(ours).join(),
    detections: b.length,
    boxPx,
    score,
    probability,
  };
}

const CONFIGS = [
  { name: 'NudeNet alone', classifier: false },
  { name: `NudeNet and ${CLASSIFIER}`, classifier: true },
] as const;

const figures: Record<string, unknown> = {};

for (const config of CONFIGS) {
  test(`veil-nsfw/node answers as the library does in Chromium: ${config.name}`, async ({ harness, page }) => {
    test.setTimeout(300_000);
    const files = images();
    expect(files.length).toBeGreaterThanOrEqual(24);
    await harness.open();
    const browser = (await page.evaluate(
      async ({ model, classifier, images }) => {
        const detector = await (window as any).veil.createDetector({ model, ...(classifier && { classifier }), providers: ['wasm'], cache: false });
        const out: unknown[] = [];
        for (const b64 of images) out.push(await detector.detect(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))])));
        detector.dispose();
        return out;
      },
      {
        model: modelUrl(320),
        classifier: config.classifier ? { name: CLASSIFIER, model: `/public/models/${CLASSIFIER}.onnx` } : null,
        images: files.map((f) => f.bytes.toString('base64')),
      },
    )) as ModerationResult[];

    const detector = await createDetector({
      model: MODEL_320,
      ...(config.classifier && { classifier: { name: CLASSIFIER, model: CLASSIFIER_MODEL } }),
      cache: false,
    });
    const rows = [];
    try {
      for (const [i, file] of files.entries()) {
        const node = await detector.detect(new Blob([file.bytes]));
        rows.push({ image: file.name, decision: node.decision, ...compare(browser[i]!, node) });
      }
    } finally {
      detector.dispose();
    }

    const worst = (key: 'boxPx' | 'score' | 'probability') => Math.max(...rows.map((r) => r[key]));
    const agreeing = rows.filter((r) => r.sameInput && r.sameBackend && r.sameDecision && r.sameLabel && r.sameClasses && r.sameAnimation).length;
    figures[config.name] = { agreeing, images: rows.length, detections: rows.reduce((n, r) => n + r.detections, 0), worstBoxPx: worst('boxPx'), worstScore: worst('score'), worstProbability: worst('probability'), rows };
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    writeFileSync(join(ROOT, 'test-results', 'node-agreement.json'), JSON.stringify(figures, null, 2));
    console.log(
      `veil-nsfw/node vs Chromium, ${config.name}: ${agreeing}/${rows.length} images with the same input block, backend, decision, label, classes and animation ` +
        `(${rows.reduce((n, r) => n + r.detections, 0)} detections), worst box ${worst('boxPx')} px, worst score ${worst('score').toExponential(2)}` +
        (config.classifier ? `, worst probability ${worst('probability').toExponential(2)}` : ''),
    );

    for (const row of rows) {
      expect.soft(row.sameInput, row.image).toBe(true);
      expect.soft(row.sameBackend, row.image).toBe(true);
      expect.soft(row.sameDecision, row.image).toBe(true);
      expect.soft(row.sameLabel, row.image).toBe(true);
      expect.soft(row.sameClasses, row.image).toBe(true);
      expect.soft(row.sameAnimation, row.image).toBe(true);
      expect.soft(row.sameProbabilityClasses, row.image).toBe(true);
      expect.soft(row.boxPx, row.image).toBe(0);
      expect.soft(row.score, row.image).toBeLessThanOrEqual(1e-3);
      expect.soft(row.probability, row.image).toBeLessThanOrEqual(1e-4);
    }
    // The comparison means something only if the images find things and reach every decision.
    expect(rows.reduce((n, r) => n + r.detections, 0)).toBeGreaterThan(20);
    expect(new Set(rows.map((r) => r.decision)).size).toBeGreaterThanOrEqual(2);
  });
}

/**
 * Phone photos over the memory ceiling: the browser decodes them at 1/2 with
 * libjpeg-turbo's scaled IDCT (1/4 at 200 MP), Node through sharp's resize to the same size
 * (libjpeg's scaled IDCT is not reachable through sharp at 1/2), so their pixels
 * are near, not equal: the same input block and note, decision, label and
 * classes, boxes within 2 px, scores and probabilities within 0.01 (measured:
 * 0.0011 and 0.0029).
 */
test('veil-nsfw/node answers as the library does on 48, 108 and 200 MP phone photos, both decoded smaller', async ({ harness, page }) => {
  test.setTimeout(240_000);
  const photos = await phonePhotos();
  await harness.open();
  const browser = (await page.evaluate(
    async ({ model, classifier, urls }) => {
      const detector = await (window as any).veil.createDetector({ model, classifier, providers: ['wasm'], cache: false });
      const out: unknown[] = [];
      for (const url of urls) out.push(await detector.detect(await (await fetch(url)).blob()));
      detector.dispose();
      return out;
    },
    { model: modelUrl(320), classifier: { name: CLASSIFIER, model: `/public/models/${CLASSIFIER}.onnx` }, urls: photos.map((p) => p.url) },
  )) as ModerationResult[];
  const detector = await createDetector({ model: MODEL_320, classifier: { name: CLASSIFIER, model: CLASSIFIER_MODEL }, cache: false });
  const rows = [];
  try {
    for (const [i, photo] of photos.entries()) {
      const node = await detector.detect(new Blob([photo.bytes]));
      rows.push({ image: photo.name, notes: [browser[i]!.notes.at(-1), node.notes.at(-1)], ...compare(browser[i]!, node) });
    }
  } finally {
    detector.dispose();
  }
  figures['phone photos'] = rows;
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(ROOT, 'test-results', 'node-agreement.json'), JSON.stringify(figures, null, 2));
  console.log(`veil-nsfw/node vs Chromium, phone photos decoded smaller: ${JSON.stringify(rows.map(({ image, boxPx, score, probability }) => ({ image, boxPx, score, probability })))}`);
  for (const row of rows) {
    expect.soft(row.sameInput, row.image).toBe(true);
    expect.soft(row.notes[0], row.image).toMatch(/decoded at \d+ x \d+/);
    expect.soft(row.notes[1], row.image).toBe(row.notes[0]);
    expect.soft(row.sameBackend, row.image).toBe(true);
    expect.soft(row.sameDecision, row.image).toBe(true);
    expect.soft(row.sameLabel, row.image).toBe(true);
    expect.soft(row.sameClasses, row.image).toBe(true);
    expect.soft(row.boxPx, row.image).toBeLessThanOrEqual(2);
    expect.soft(row.score, row.image).toBeLessThanOrEqual(0.01);
    expect.soft(row.probability, row.image).toBeLessThanOrEqual(0.01);
  }
});
