/**
 * The worker reads decoded pixels by faster paths than drawing the whole image
 * on a canvas (only the rows the resize needs; VideoFrame.copyTo for opaque
 * images; a JPEG's or lossy WebP's own Y, Cb and Cr planes from ImageDecoder,
 * converted as libjpeg-turbo and libwebp convert them). Each must give exactly the tensor the canvas gives, or Veil would
 * drift from NudeNet. The probe model (test/models/make-probe.mjs) turns the
 * whole input tensor into one detection's score, so equal scores mean equal
 * tensors: a file is screened as is, and again as the ImageData a canvas reads
 * from it in the page, which the worker takes without any of those paths.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain ES module without types
import { buildProbeModel } from '../models/make-probe.mjs';
import { FIXTURE_IMAGES, GIF_IMAGE, imageUrl, PLANE_IMAGES, ROOT } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const PROBE = '/public/models/veil-probe-320.onnx';

test.beforeAll(() => {
  mkdirSync(join(ROOT, 'public/models'), { recursive: true });
  writeFileSync(join(ROOT, PROBE), buildProbeModel(320));
});

/** In the page: the probe's score for `blob` screened as a file, and as the canvas's ImageData of it. */
async function bothWays(page: import('@playwright/test').Page, source: { url: string } | { generate: { width: number; height: number; type: string; alpha: boolean } }) {
  return page.evaluate(
    async ({ model, source }) => {
      let blob: Blob;
      if ('url' in source) {
        blob = await (await fetch(source.url)).blob();
      } else {
        // A noisy photo-sized image made here, so no large file is kept in the repository.
        const { width, height, type, alpha } = source.generate;
        const canvas = new OffscreenCanvas(width, height);
        const ctx = canvas.getContext('2d')!;
        const image = ctx.createImageData(width, height);
        let state = 12345;
        for (let i = 0; i < image.data.length; i++) {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          image.data[i] = i % 4 === 3 ? (alpha ? state >>> 24 : 255) : state >>> 24;
        }
        ctx.putImageData(image, 0, 0);
        blob = await canvas.convertToBlob({ type, quality: 0.9 });
      }
      const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(bitmap, 0, 0);
      const pixels = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      bitmap.close();

      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'] });
      try {
        const score = async (input: unknown) => (await detector.detect(input)).raw.nudenet[0]?.score as number | undefined;
        const fromFile = await score(blob);
        const fromPixels = await score(pixels);
        // The probe must notice one level in a small patch, or equal scores would prove
        // nothing; a patch, not a pixel, because a large shrink skips most pixels.
        const nudged = new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height);
        const side = Math.min(32, pixels.width, pixels.height);
        for (let y = 0; y < side; y++) {
          for (let x = 0; x < side; x++) {
            const i = 4 * ((Math.floor((pixels.height - side) / 2) + y) * pixels.width + Math.floor((pixels.width - side) / 2) + x);
            nudged.data[i] = nudged.data[i]! < 128 ? nudged.data[i]! + 1 : nudged.data[i]! - 1;
          }
        }
        const fromNudged = await score(nudged);
        return { fromFile, fromPixels, fromNudged, width: pixels.width, height: pixels.height };
      } finally {
        detector.dispose();
      }
    },
    { model: PROBE, source },
  );
}

test.describe('fast pixel reads give the canvas tensor exactly (probe model)', () => {
  for (const image of [...FIXTURE_IMAGES, GIF_IMAGE, ...PLANE_IMAGES]) {
    test(`${image.name}`, async ({ harness, page }) => {
      await harness.open();
      const r = await bothWays(page, { url: imageUrl(image.name) });
      expect(r.fromPixels).toBeGreaterThan(0.25);
      expect(r.fromFile).toBe(r.fromPixels);
      expect(r.fromNudged).not.toBe(r.fromPixels);
    });
  }

  const generated = [
    { width: 4000, height: 3000, type: 'image/jpeg', alpha: false, why: 'rows only, JPEG' },
    { width: 641, height: 479, type: 'image/jpeg', alpha: false, why: 'odd sides, JPEG from its planes' },
    { width: 1800, height: 2400, type: 'image/png', alpha: true, why: 'rows only, partly transparent PNG' },
    { width: 1200, height: 900, type: 'image/webp', alpha: false, why: 'every row, opaque WebP' },
  ];
  for (const { why, ...generate } of generated) {
    test(`${generate.width} x ${generate.height} ${generate.type}: ${why}`, async ({ harness, page }) => {
      await harness.open();
      const r = await bothWays(page, { generate });
      expect([r.width, r.height]).toEqual([generate.width, generate.height]);
      expect(r.fromPixels).toBeGreaterThan(0.25);
      expect(r.fromFile).toBe(r.fromPixels);
      expect(r.fromNudged).not.toBe(r.fromPixels);
    });
  }
});
