/**
 * Every way the worker reads a JPEG from its own planes (4:2:0, 4:2:2, 4:4:4;
 * baseline, progressive, restart markers; each EXIF orientation) or as RGB
 * (greyscale; PNG photos and screenshots) must give exactly the tensor createImageBitmap + a canvas give, which
 * the parity tests tie to OpenCV, and must actually be the path taken
 * (`timings.decoder`). Real photographs (test/fixtures/make_layouts.py), odd sides
 * for the chroma edges, rows read in part (a resize to 320 from 1200 px and more)
 * and whole, and a 12 MP phone photo. The probe model turns the whole input tensor
 * into one score, so equal scores mean equal tensors; a one-level nudge of a patch
 * must change it, or equality would prove nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain ES module without types
import { buildProbeModel } from '../models/make-probe.mjs';
import { imageUrl, modelUrl, ROOT } from '../support/fixture-data.js';
import { layoutUrl, makeLayouts, type LayoutImage } from '../support/layouts.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const PROBE = '/public/models/veil-probe-320.onnx';

type Case = LayoutImage & { path: string };
const jpeg = (width: number, height: number, extra: Partial<LayoutImage>, path: string, source = 'astronaut.png'): Case => {
  const parts = [extra.layout ?? '420', extra.progressive && 'progressive', extra.restart && `rst${extra.restart}`, extra.exif && `exif${extra.exif}`];
  return { name: `${width}x${height}-${parts.filter(Boolean).join('-')}.jpg`, source, width, height, ...extra, path };
};

const CASES: Case[] = [
  // Each layout, odd sides (read whole) and 1200x1666 (rows read in part).
  ...(['420', '422', '444'] as const).flatMap((layout) => [
    jpeg(641, 479, { layout }, `planes-I${layout}`, 'coffee.png'),
    jpeg(1200, 1666, { layout }, `planes-I${layout}`),
  ]),
  jpeg(5, 7, { layout: '422' }, 'planes-I422', 'chelsea.png'),
  jpeg(7, 5, { layout: '444' }, 'planes-I444', 'chelsea.png'),
  jpeg(643, 481, { layout: 'grey' }, 'frame-rgb', 'coffee.png'),
  jpeg(1200, 1666, { layout: 'grey' }, 'frame-rgb'),
  jpeg(643, 481, { layout: 'grey', exif: 6 }, 'frame-rgb-oriented', 'coffee.png'),
  jpeg(643, 481, { layout: 'grey', exif: 7 }, 'frame-rgb-oriented', 'coffee.png'),
  jpeg(1200, 1666, { progressive: true }, 'planes-I420'),
  jpeg(643, 481, { layout: '422', progressive: true }, 'planes-I422', 'coffee.png'),
  jpeg(641, 479, { restart: 3 }, 'planes-I420', 'chelsea.png'),
  jpeg(1200, 1666, { restart: 8 }, 'planes-I420'),
  // Every EXIF orientation on odd sides, read whole, then in part.
  ...[2, 3, 4, 5, 6, 7, 8].map((exif) => jpeg(641, 479, { exif }, 'planes-I420-oriented', 'coffee.png')),
  ...[3, 5, 6, 8].map((exif) => jpeg(1201, 1665, { exif }, 'planes-I420-oriented')),
  jpeg(643, 481, { layout: '422', exif: 6 }, 'planes-I422-oriented', 'chelsea.png'),
  jpeg(643, 481, { layout: '422', exif: 7 }, 'planes-I422-oriented', 'chelsea.png'),
  jpeg(481, 643, { layout: '444', exif: 8 }, 'planes-I444-oriented', 'chelsea.png'),
  jpeg(9, 7, { layout: '420', exif: 5 }, 'planes-I420-oriented', 'chelsea.png'),
  // Other formats people upload, read in part by the resize: copied whole from the RGB frame, or from WebP's planes.
  { name: 'screenshot-1330x880.png', source: '', width: 1330, height: 880, format: 'screenshot', path: 'frame-rgb' },
  { name: 'photo-1281x961.png', source: 'coffee.png', width: 1281, height: 961, format: 'png', path: 'frame-rgb' },
  { name: 'photo-1080x1350.webp', source: 'rocket.jpg', width: 1080, height: 1350, format: 'webp', path: 'planes-I420' },
  // A phone photo: 12 MP, 4:2:2, stored landscape, shown portrait.
  jpeg(3024, 4032, { layout: '422', exif: 6 }, 'planes-I422-oriented', 'hubble_deep_field.jpg'),
];

test.beforeAll(() => {
  mkdirSync(join(ROOT, 'public/models'), { recursive: true });
  writeFileSync(join(ROOT, PROBE), buildProbeModel(320));
  makeLayouts(CASES);
});

test('every JPEG layout and orientation, PNG and WebP, read by its fast path, gives the canvas tensor exactly (probe model)', async ({ harness, page }) => {
  test.setTimeout(120_000);
  await harness.open();
  const results = await page.evaluate(
    async ({ model, cases }) => {
      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'], cache: false });
      const out = [];
      try {
        for (const { name, url } of cases) {
          const blob = await (await fetch(url)).blob();
          const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
          const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
          const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
          ctx.drawImage(bitmap, 0, 0);
          const pixels = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
          bitmap.close();
          const fromFile = await detector.detect(blob);
          const fromPixels = await detector.detect(pixels);
          const nudged = new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height);
          const side = Math.min(32, pixels.width, pixels.height);
          for (let y = 0; y < side; y++) {
            for (let x = 0; x < side; x++) {
              const i = 4 * ((Math.floor((pixels.height - side) / 2) + y) * pixels.width + Math.floor((pixels.width - side) / 2) + x);
              nudged.data[i] = nudged.data[i]! < 128 ? nudged.data[i]! + 1 : nudged.data[i]! - 1;
            }
          }
          const fromNudged = await detector.detect(nudged);
          const score = (r: any) => r.raw.nudenet[0]?.score as number | undefined;
          out.push({
            name,
            size: [fromFile.input.width, fromFile.input.height],
            decoder: fromFile.timings.decoder,
            fromFile: score(fromFile),
            fromPixels: score(fromPixels),
            fromNudged: score(fromNudged),
          });
        }
      } finally {
        detector.dispose();
      }
      return out;
    },
    { model: PROBE, cases: CASES.map((c) => ({ name: c.name, url: layoutUrl(c.name) })) },
  );
  for (const [i, r] of results.entries()) {
    const c = CASES[i]!;
    expect.soft(r.size, r.name).toEqual([c.width, c.height]);
    expect.soft(r.decoder, r.name).toBe(c.path);
    expect.soft(r.fromPixels, r.name).toBeGreaterThan(0.25);
    expect.soft(r.fromFile, r.name).toBe(r.fromPixels);
    expect.soft(r.fromNudged, r.name).not.toBe(r.fromPixels);
  }
});

test("decode: 'fast' decodes a large JPEG smaller, keeps the image's size and geometry, and leaves small ones exact", async ({ harness, page }) => {
  await harness.open();
  const r = await page.evaluate(
    async ({ model, large, small }) => {
      const { createDetector } = (window as any).veil;
      const exact = await createDetector({ model, providers: ['wasm'], cache: false });
      const fast = await createDetector({ model, providers: ['wasm'], cache: false, decode: 'fast' });
      const blob = async (url: string) => (await fetch(url)).blob();
      const pick = (r: any) => ({ decoder: r.timings.decoder, size: [r.input.width, r.input.height], raw: r.raw.nudenet });
      try {
        const [l, s] = [await blob(large), await blob(small)];
        return { exact: pick(await exact.detect(l)), fast: pick(await fast.detect(l)), small: pick(await fast.detect(s)) };
      } finally {
        exact.dispose();
        fast.dispose();
      }
    },
    { model: modelUrl(320), large: imageUrl('large-1920x1080.jpg'), small: imageUrl('landscape-640x480.jpg') },
  );
  expect(r.fast.decoder).toMatch(/^scaled-/);
  expect(r.fast.size).toEqual([1920, 1080]);
  expect(r.exact.decoder).toBe('planes-I420');
  // The fixture model's patches: the same detections, boxes in the image's own pixels.
  expect(r.fast.raw.map((d: any) => d.class)).toEqual(r.exact.raw.map((d: any) => d.class));
  expect(r.exact.raw.length).toBeGreaterThan(0);
  // Decoded at 3/8, patch edges blur by a few pixels; a box in the scaled pixels would be off by hundreds.
  r.fast.raw.forEach((d: any, i: number) => d.box.forEach((v: number, k: number) => expect(Math.abs(v - r.exact.raw[i].box[k])).toBeLessThanOrEqual(8)));
  expect(r.small.decoder).toBe('planes-I420');
});
