/**
 * The gateway and the browser library agree. Two measurements, both written to
 * test-results/ and printed:
 * - decoding: the gateway's decoder (sharp, its BMP reader, the canvas alpha
 *   round trip) against Chromium's createImageBitmap + canvas, read the way the
 *   library's worker reads it, on the fixture photos and synthetic variants;
 * - answers: the same photos through the built library in Chromium (WASM) and
 *   through a gateway started here on loopback, as image_b64 and as image_url:
 *   same decision and label, same classes, boxes within 2 px, scores within 0.02;
 *   the animated GIF and WebP (a harmless first frame, red "nudity" in frames
 *   5 and 6) with the same frames sampled and the same deciding frame;
 * - with nsfwjs's MobileNetV2 beside NudeNet, on real photographs and fixture
 *   images: same decision, label and backend, probabilities within 1e-4.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { decodeImage } from '../../src/node/decode.js';
import { isSupportedMime, sniffMime } from '../../src/image/sniff.js';
import { testPattern, writeBmp } from '../support/bmp-writer.js';
import { decodeCases } from '../support/decode-cases.js';
import { FIXTURE_IMAGES, GIF_IMAGE, imageUrl, modelUrl, ROOT } from '../support/fixture-data.js';
import { phonePhotos } from '../support/big-photos.js';
import { CLASSIFIER, imageBytes, MODEL_320, MODEL_640, PHOTOS, postJson, startTestGateway } from '../support/gateway.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

/** AVIF's YUV-to-RGB conversion rounds differently in libheif and in Chromium. */
const TOLERANCE: Record<string, number> = { 'still.avif': 1 };

function record(name: string, rows: unknown) {
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(ROOT, 'test-results', name), JSON.stringify(rows, null, 2));
}

/** RGBA exactly as the library's worker reads it (src/worker/read-input.ts), as base64. */
function browserPixels(page: Page, bytes: Uint8Array) {
  return page.evaluate(async (b64) => {
    const data = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([data]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(bitmap, 0, 0);
    const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let text = '';
    for (let i = 0; i < rgba.length; i += 0x8000) text += String.fromCharCode(...rgba.subarray(i, i + 0x8000));
    return { width: bitmap.width, height: bitmap.height, rgba: btoa(text) };
  }, Buffer.from(bytes).toString('base64'));
}

test('the gateway decodes to the pixels Chromium gives the library', async ({ harness, page }) => {
  await harness.open();
  const rows = [];
  for (const { name, bytes } of await decodeCases()) {
    const mime = sniffMime(bytes);
    if (!isSupportedMime(mime)) throw new Error(`${name} sniffs as ${mime}`);
    const [browser, gateway] = await Promise.all([browserPixels(page, bytes), decodeImage(bytes, mime)]);
    const reference = Buffer.from(browser.rgba, 'base64');
    let maxDiff = 0;
    let differing = 0;
    if (reference.length === gateway.data.length) {
      for (let i = 0; i < reference.length; i++) {
        const d = Math.abs(reference[i]! - gateway.data[i]!);
        if (d > 0) differing++;
        if (d > maxDiff) maxDiff = d;
      }
    }
    rows.push({ name, mime, size: `${browser.width}x${browser.height}`, gatewaySize: `${gateway.width}x${gateway.height}`, maxDiff, differing, values: reference.length });
  }
  record('gateway-decode.json', rows);
  const exact = rows.filter((r) => r.maxDiff === 0 && r.size === r.gatewaySize).length;
  console.log(`gateway decoding vs Chromium: ${exact}/${rows.length} images identical; others: ${JSON.stringify(rows.filter((r) => r.maxDiff > 0))}`);
  for (const row of rows) {
    expect.soft(row.gatewaySize, row.name).toBe(row.size);
    expect.soft(row.maxDiff, row.name).toBeLessThanOrEqual(TOLERANCE[row.name] ?? 0);
  }
});

interface Answer {
  decision: string;
  label: string;
  score: number;
  categories: Record<string, number>;
  detections: { cls: string; score: number; box: number[] }[];
  raw: { nudenet: { class: string; score: number; box: number[] }[] };
  animation?: { frames: number; scanned: number; decided_by: number };
}

function compare(browser: Answer, gateway: Answer) {
  const sameClasses =
    browser.detections.length === gateway.detections.length && browser.detections.every((d, i) => d.cls === gateway.detections[i]!.cls);
  let boxPx = 0;
  let score = Math.abs(browser.score - gateway.score);
  for (const key of ['porn', 'sexy', 'normal']) score = Math.max(score, Math.abs(browser.categories[key]! - gateway.categories[key]!));
  if (sameClasses) {
    browser.raw.nudenet.forEach((d, i) => {
      const g = gateway.raw.nudenet[i]!;
      d.box.forEach((v, k) => (boxPx = Math.max(boxPx, Math.abs(v - g.box[k]!))));
      score = Math.max(score, Math.abs(d.score - g.score));
    });
  }
  const sameAnimation = JSON.stringify(browser.animation ?? null) === JSON.stringify(gateway.animation ?? null);
  return { sameDecision: browser.decision === gateway.decision, sameLabel: browser.label === gateway.label, sameClasses, sameAnimation, boxPx, score };
}

/** The fixture photos and GIF, and the animations whose explicit frames come after a harmless first. */
const ANIMATIONS = ['animated.gif', 'animated.webp'];
const photos = [...FIXTURE_IMAGES, GIF_IMAGE].map((i) => i.name).concat(ANIMATIONS);
const urlOf = (name: string) => (ANIMATIONS.includes(name) ? `/test/.cache/hostile/${name}` : imageUrl(name));
const bytesOf = (name: string) => (ANIMATIONS.includes(name) ? readFileSync(join(ROOT, 'test/.cache/hostile', name)) : imageBytes(name));

for (const [size, model] of [[320, MODEL_320], [640, MODEL_640]] as const) {
  test(`the gateway answers as the library does, fixture model at ${size}`, async ({ harness, page, server }) => {
    const gateway = await startTestGateway(['--allow-private-urls', '127.0.0.1/32'], { model });
    try {
      await harness.open();
      const local = (await page.evaluate(
        async ({ modelUrl, urls }) => {
          const { createDetector } = (window as any).veil;
          const detector = await createDetector({ model: modelUrl, providers: ['wasm'] });
          const out: unknown[] = [];
          for (const url of urls) out.push(await detector.detect(url));
          detector.dispose();
          return out;
        },
        { modelUrl: modelUrl(size), urls: photos.map(urlOf) },
      )) as Answer[];

      const rows = [];
      for (const [i, name] of photos.entries()) {
        const viaB64 = await postJson(gateway.endpoint, { image_b64: bytesOf(name).toString('base64') });
        const viaUrl = await postJson(gateway.endpoint, { image_url: `${server.url}${urlOf(name)}` });
        expect(viaB64.status, JSON.stringify(viaB64.body)).toBe(200);
        expect(viaUrl.status, JSON.stringify(viaUrl.body)).toBe(200);
        for (const [how, answer] of [['image_b64', viaB64], ['image_url', viaUrl]] as const) {
          rows.push({ image: name, how, detections: local[i]!.detections.length, animation: answer.body.animation, ...compare(local[i]!, answer.body as Answer) });
        }
      }
      record(`gateway-agreement-${size}.json`, rows);
      const worst = rows.reduce((w, r) => ({ boxPx: Math.max(w.boxPx, r.boxPx), score: Math.max(w.score, r.score) }), { boxPx: 0, score: 0 });
      const agreeing = rows.filter((r) => r.sameDecision && r.sameLabel && r.sameClasses && r.sameAnimation).length;
      console.log(
        `gateway vs library at ${size}: ${agreeing}/${rows.length} answers with the same decision, label, classes and animation ` +
          `(${photos.length} photos x image_b64 and image_url, ${rows.reduce((n, r) => n + r.detections, 0) / 2} detections each way), ` +
          `worst box ${worst.boxPx} px, worst score ${worst.score.toFixed(6)}`,
      );
      for (const row of rows) {
        const label = `${row.image} via ${row.how}`;
        expect.soft(row.sameDecision, label).toBe(true);
        expect.soft(row.sameLabel, label).toBe(true);
        expect.soft(row.sameClasses, label).toBe(true);
        expect.soft(row.sameAnimation, label).toBe(true);
        expect.soft(row.boxPx, label).toBeLessThanOrEqual(2);
        expect.soft(row.score, label).toBeLessThanOrEqual(0.02);
      }
      expect(rows.reduce((n, r) => n + r.detections, 0)).toBeGreaterThan(20);
      // The animations are judged by a later frame, not their first: blocked, as in the browser.
      for (const row of rows.filter((r) => ANIMATIONS.includes(r.image))) {
        expect(row.animation, `${row.image} via ${row.how}`).toEqual({ frames: 10, scanned: 5, decided_by: 5 });
      }
    } finally {
      await gateway.close();
    }
  });
}

/**
 * Real photographs, fixture images whose decoding has a path of its own (EXIF
 * rotation, alpha, BMP, GIF, a large JPEG), and a tall BMP the gateway reads in
 * only the rows NudeNet's letterbox and the classifier's stretch use.
 */
function classifierImages(): { name: string; bytes: Uint8Array; url: string | null }[] {
  const photos = readdirSync(PHOTOS).filter((f) => /\.(jpe?g|png|webp)$/.test(f));
  const fixtures = ['landscape-640x480.jpg', 'exif-rotated-480x640.jpg', 'alpha-400x300.png', 'bitmap-300x200.bmp', GIF_IMAGE.name, 'large-1920x1080.jpg'];
  return [
    ...photos.map((f) => ({ name: f, bytes: readFileSync(join(PHOTOS, f)), url: `/test/.cache/photos/${f}` })),
    ...fixtures.map((f) => ({ name: f, bytes: imageBytes(f), url: imageUrl(f) })),
    { name: 'tall-600x4000.bmp', bytes: writeBmp('rgb24', 600, 4000, testPattern(600, 4000)), url: null },
  ];
}

interface ClassifiedAnswer extends Answer {
  backend: string;
  raw: Answer['raw'] & { classifier: { model: string; probabilities: Record<string, number> } };
}

test('with the classifier beside NudeNet, the gateway answers as the library does', async ({ harness, page, server }) => {
  test.setTimeout(240_000);
  const images = classifierImages();
  expect(images.filter((i) => i.url?.includes('/photos/')).length).toBeGreaterThanOrEqual(7);
  const gateway = await startTestGateway(['--classifier', CLASSIFIER, '--allow-private-urls', '127.0.0.1/32'], { model: MODEL_320 });
  try {
    await harness.open();
    const local = (await page.evaluate(
      async ({ model, classifier, images }) => {
        const detector = await (window as any).veil.createDetector({ model, classifier, providers: ['wasm'], cache: false });
        const out: unknown[] = [];
        for (const b64 of images) out.push(await detector.detect(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))])));
        detector.dispose();
        return out;
      },
      {
        model: modelUrl(320),
        classifier: { name: CLASSIFIER, model: `/public/models/${CLASSIFIER}.onnx` },
        images: images.map((i) => Buffer.from(i.bytes).toString('base64')),
      },
    )) as ClassifiedAnswer[];

    const rows = [];
    for (const [i, image] of images.entries()) {
      const ways: [string, Record<string, string>][] = [['image_b64', { image_b64: Buffer.from(image.bytes).toString('base64') }]];
      if (image.url) ways.push(['image_url', { image_url: `${server.url}${image.url}` }]);
      for (const [how, request] of ways) {
        const { status, body } = await postJson(gateway.endpoint, request);
        expect(status, `${image.name} via ${how}: ${JSON.stringify(body)}`).toBe(200);
        const [browser, answer] = [local[i]!, body as ClassifiedAnswer];
        const theirs = browser.raw.classifier.probabilities;
        const ours = answer.raw.classifier.probabilities;
        const probability = Math.max(...Object.keys(theirs).map((c) => Math.abs(theirs[c]! - ours[c]!)));
        const { sameDecision, sameLabel, sameClasses, boxPx, score } = compare(browser, answer);
        rows.push({
          image: image.name,
          how,
          backend: [browser.backend, answer.backend],
          label: answer.label,
          sameDecision,
          sameLabel,
          sameBackend: browser.backend === answer.backend,
          sameProbabilityClasses: Object.keys(theirs).join() === Object.keys(ours).join(),
          probability,
          // NudeNet's detections, as in the test above; `score` also covers the categories.
          sameDetections: sameClasses,
          boxPx,
          score,
        });
      }
    }
    record('gateway-agreement-classifier.json', rows);
    const largest = Math.max(...rows.map((r) => r.probability));
    const agreeing = rows.filter((r) => r.sameDecision && r.sameLabel && r.sameBackend).length;
    console.log(
      `gateway vs library with ${CLASSIFIER}: ${agreeing}/${rows.length} answers with the same decision, label and backend ` +
        `(${images.length} images, image_b64 and image_url), largest probability difference ${largest.toExponential(2)}, ` +
        `largest category difference ${Math.max(...rows.map((r) => r.score)).toExponential(2)}`,
    );
    for (const row of rows) {
      const label = `${row.image} via ${row.how}`;
      expect.soft(row.backend, label).toEqual([`nudenet+${CLASSIFIER}`, `nudenet+${CLASSIFIER}`]);
      expect.soft(row.sameDecision, label).toBe(true);
      expect.soft(row.sameLabel, label).toBe(true);
      expect.soft(row.sameProbabilityClasses, label).toBe(true);
      expect.soft(row.probability, label).toBeLessThanOrEqual(1e-4);
      expect.soft(row.sameDetections, label).toBe(true);
      expect.soft(row.boxPx, label).toBeLessThanOrEqual(2);
    }
  } finally {
    await gateway.close();
  }
});

/**
 * Phone photos over the memory ceiling, decoded at 1/2 (1/4 at 200 MP) on both sides (the
 * browser by libjpeg-turbo's scaled IDCT, the gateway through sharp's resize to
 * the same size): the same file, size, decision, label, classes and note, boxes within 2 px,
 * scores and probabilities within 0.01 (measured: 0.0011 and 0.0029).
 */
test('the gateway answers as the library does on 48, 108 and 200 MP phone photos, both decoded smaller', async ({ harness, page }) => {
  test.setTimeout(240_000);
  const photos = await phonePhotos();
  const gateway = await startTestGateway(['--classifier', CLASSIFIER], { model: MODEL_320 });
  try {
    await harness.open();
    const local = (await page.evaluate(
      async ({ model, classifier, urls }) => {
        const detector = await (window as any).veil.createDetector({ model, classifier, providers: ['wasm'], cache: false });
        const out: unknown[] = [];
        for (const url of urls) out.push(await detector.detect(await (await fetch(url)).blob()));
        detector.dispose();
        return out;
      },
      { model: modelUrl(320), classifier: { name: CLASSIFIER, model: `/public/models/${CLASSIFIER}.onnx` }, urls: photos.map((p) => p.url) },
    )) as (ClassifiedAnswer & { notes: string[]; input: unknown })[];
    const rows = [];
    for (const [i, photo] of photos.entries()) {
      const { status, body } = await postJson(gateway.endpoint, { image_b64: photo.bytes.toString('base64') });
      expect(status, `${photo.name}: ${JSON.stringify(body)}`).toBe(200);
      const [browser, answer] = [local[i]!, body as ClassifiedAnswer & { notes: string[]; input: unknown }];
      const theirs = browser.raw.classifier.probabilities;
      const ours = answer.raw.classifier.probabilities;
      const probability = Math.max(...Object.keys(theirs).map((c) => Math.abs(theirs[c]! - ours[c]!)));
      const note = (r: { notes: string[] }) => r.notes.find((n) => /decoded at/.test(n));
      // The same file, size and hash; its `type` and `source` say how each side was handed it.
      const file = ({ input }: { input: any }) => JSON.stringify([input.size_bytes, input.sha256, input.mime, input.width, input.height]);
      rows.push({ image: photo.name, sameInput: file(browser) === file(answer), notes: [note(browser), note(answer)], probability, ...compare(browser, answer) });
    }
    record('gateway-agreement-phone-photos.json', rows);
    console.log(`gateway vs library, phone photos decoded smaller: ${JSON.stringify(rows.map(({ image, boxPx, score, probability }) => ({ image, boxPx, score, probability })))}`);
    for (const row of rows) {
      expect.soft(row.sameInput, row.image).toBe(true);
      expect.soft(row.notes[0], row.image).toMatch(/decoded at \d+ x \d+/);
      expect.soft(row.notes[1], row.image).toBe(row.notes[0]);
      expect.soft(row.sameDecision, row.image).toBe(true);
      expect.soft(row.sameLabel, row.image).toBe(true);
      expect.soft(row.sameClasses, row.image).toBe(true);
      expect.soft(row.boxPx, row.image).toBeLessThanOrEqual(2);
      expect.soft(row.score, row.image).toBeLessThanOrEqual(0.01);
      expect.soft(row.probability, row.image).toBeLessThanOrEqual(0.01);
    }
  } finally {
    await gateway.close();
  }
});
