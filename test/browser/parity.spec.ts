/**
 * Veil in Chromium against NudeNet's own output (OpenCV decoding, preprocessing
 * and NMSBoxes; see test/fixtures/prepare.mjs) on the fixture models. NudeNet's
 * users compare any port with the Python package, so this is the core promise:
 * same classes, boxes within 2 px, scores within 0.02.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareDetections,
  FIXTURE_COLORS,
  FIXTURE_IMAGES,
  GIF_IMAGE,
  imageUrl,
  modelUrl,
  REFERENCE_SIZES,
  referenceDetections,
  ROOT,
  type FixtureImage,
  type ReferenceDetection,
} from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const CLASSES = [
  'FEMALE_GENITALIA_COVERED', 'FACE_FEMALE', 'BUTTOCKS_EXPOSED', 'FEMALE_BREAST_EXPOSED', 'FEMALE_GENITALIA_EXPOSED',
  'MALE_BREAST_EXPOSED', 'ANUS_EXPOSED', 'FEET_EXPOSED', 'BELLY_COVERED', 'FEET_COVERED', 'ARMPITS_COVERED',
  'ARMPITS_EXPOSED', 'FACE_MALE', 'BELLY_EXPOSED', 'MALE_GENITALIA_EXPOSED', 'ANUS_COVERED', 'FEMALE_BREAST_COVERED',
  'BUTTOCKS_COVERED',
];
const classOf = (color: string) => CLASSES[FIXTURE_COLORS.find((c) => c.name === color)!.classIndex]!;

test.describe('raw.nudenet equals NudeNet (WASM)', () => {
  const referenceImages = FIXTURE_IMAGES.filter((i) => i.reference !== false);

  for (const size of REFERENCE_SIZES) {
    test(`fixture model at ${size}: every photo within 2 px and 0.02`, async ({ harness, page }) => {
      await harness.open();
      const results = await page.evaluate(
        async ({ model, urls }) => {
          const { createDetector } = (window as any).veil;
          const detector = await createDetector({ model, providers: ['wasm'] });
          const out: Record<string, unknown> = {};
          for (const url of urls) out[url] = (await detector.detect(url)).raw.nudenet;
          detector.dispose();
          return out;
        },
        { model: modelUrl(size), urls: referenceImages.map((i) => imageUrl(i.name)) },
      );

      const rows = referenceImages.map((image) => {
        const expected = referenceDetections(image.name, size);
        const actual = results[imageUrl(image.name)] as ReferenceDetection[];
        return { image: image.name, detections: expected.length, ...compareDetections(actual, expected), actual, expected };
      });
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      writeFileSync(join(ROOT, `test-results/parity-${size}.json`), JSON.stringify(rows, null, 2));
      const worst = rows.reduce((w, r) => ({ boxPx: Math.max(w.boxPx, r.boxPx), score: Math.max(w.score, r.score) }), { boxPx: 0, score: 0 });
      console.log(
        `parity at ${size}: ${rows.filter((r) => r.sameClasses).length}/${rows.length} photos with the same classes, ` +
          `${rows.reduce((n, r) => n + r.detections, 0)} detections, worst box ${worst.boxPx} px, worst score ${worst.score.toFixed(6)}`,
      );
      for (const row of rows) {
        expect.soft(row.sameClasses, `${row.image}: ${JSON.stringify(row.actual)} vs ${JSON.stringify(row.expected)}`).toBe(true);
        expect.soft(row.boxPx, row.image).toBeLessThanOrEqual(2);
        expect.soft(row.score, row.image).toBeLessThanOrEqual(0.02);
        expect.soft(row.detections, `${row.image} has detections to compare`).toBeGreaterThan(0);
      }
    });
  }
});

/** The patches a photo should yield, in source pixels: every colour but the sub-threshold teal. */
function expectedPatches(image: FixtureImage, hidden: string[] = []) {
  return image.patches
    .filter((p) => p.color !== 'teal' && !hidden.includes(p.color))
    .map((p) => ({ cls: classOf(p.color), box: p.rect }));
}

test.describe('detections follow the image content', () => {
  const byName = Object.fromEntries([...FIXTURE_IMAGES, GIF_IMAGE].map((i) => [i.name, i]));
  const cases: { name: string; hidden?: string[]; why: string }[] = [
    { name: 'exif-rotated-480x640.jpg', why: 'EXIF orientation 6 is applied: boxes are in the upright image' },
    { name: 'palette-320x200.gif', why: 'GIF, which OpenCV cannot read' },
    { name: 'alpha-400x300.png', hidden: ['green'], why: 'fully transparent pixels read as black; half-transparent ones keep their colour' },
    { name: 'odd-pad-333x500.jpg', why: 'an odd pad, resized once more to S' },
    { name: 'half-round-201x640.png', why: 'a half-way short side, rounded to even' },
    { name: 'bitmap-300x200.bmp', why: 'BMP' },
  ];

  for (const { name, hidden, why } of cases) {
    test(`${name}: ${why}`, async ({ harness, page }) => {
      await harness.open();
      const result = await page.evaluate(
        async ({ model, url }) => {
          const { createDetector } = (window as any).veil;
          const detector = await createDetector({ model, providers: ['wasm'] });
          try {
            return await detector.detect(url);
          } finally {
            detector.dispose();
          }
        },
        { model: modelUrl(320), url: imageUrl(name) },
      );
      const image = byName[name]!;
      expect([result.input.width, result.input.height]).toEqual([image.width, image.height]);
      const want = expectedPatches(image, hidden);
      const got = (result.detections as { cls: string; box: number[] }[]).filter((d) => want.some((w) => w.cls === d.cls));
      expect(got.map((d) => d.cls).sort()).toEqual(want.map((w) => w.cls).sort());
      for (const w of want) {
        const d = got.find((g) => g.cls === w.cls)!;
        // Box edges land on model-input pixels: within one input pixel, scaled to the source.
        const slack = Math.ceil(Math.max(image.width, image.height) / 320) + 1;
        d.box.forEach((v, k) => expect(Math.abs(v - w.box[k]!), `${w.cls} box ${d.box} vs ${w.box}`).toBeLessThanOrEqual(slack));
      }
      for (const h of hidden ?? []) expect(result.detections.map((d: { cls: string }) => d.cls)).not.toContain(classOf(h));
    });
  }

  test('class-agnostic NMS: an overlapping lower-scored part of another class is dropped', async ({ harness, page }) => {
    await harness.open();
    const result = await page.evaluate(
      async ({ model, url }) => {
        const { createDetector } = (window as any).veil;
        const detector = await createDetector({ model, providers: ['wasm'] });
        const r = await detector.detect(url);
        detector.dispose();
        return r;
      },
      { model: modelUrl(320), url: imageUrl('overlap-500x400.png') },
    );
    // Red (0.90) and magenta (0.75) overlap with IoU 0.68: magenta's own box goes.
    expect(result.detections[0]).toMatchObject({ cls: 'FEMALE_BREAST_EXPOSED', score: 0.9, box: [100, 100, 150, 150] });
    expect(result.detections.filter((d: { score: number }) => d.score === 0.75)).toEqual([]);
    expect(result).toMatchObject({ decision: 'block', label: 'porn', score: 0.9 });
  });
});
