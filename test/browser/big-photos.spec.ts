/**
 * Phone photos over the memory ceiling (limits.maxDecodePixels, 40 MP) are
 * screened with the default options: a 48 MP portrait (stored landscape, EXIF 6,
 * as phones save it) and a 108 MP landscape, made at test time from real photos
 * (test/fixtures/big-photos.mjs). Each is decoded at 1/2 of its size, and its
 * input tensor must be exactly the one of libjpeg-turbo's own scaled decoding
 * (Pillow's `draft`, written as PNG): the probe model turns the whole tensor into
 * one score. A PNG over the ceiling is refused before it is decoded, saying
 * which limit and by how much, and the detector keeps serving.
 */
import { join } from 'node:path';
// @ts-expect-error plain ES module without types
import { bigPhoto, scaledReference } from '../fixtures/big-photos.mjs';
// @ts-expect-error plain ES module without types
import { buildProbeModel } from '../models/make-probe.mjs';
import { imageUrl, ROOT } from '../support/fixture-data.js';
import { pythonWithOpenCv } from '../support/python.js';
import { blackPng } from '../support/gateway.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const PROBE = '/public/models/veil-probe-320.onnx';
const DIR = join(ROOT, 'test/.cache/big');
const SOURCES = join(ROOT, 'test/.cache/photos/sources');
const url = (path: string) => `/${path.slice(ROOT.length).replace(/^\/+/, '')}`;

let photos: { name: string; photo: string; reference: string; size: [number, number]; scaled: [number, number]; decoder: string }[];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(join(ROOT, 'public/models'), { recursive: true });
  writeFileSync(join(ROOT, PROBE), buildProbeModel(320));
  const python = pythonWithOpenCv();
  const portrait: string = await bigPhoto(join(SOURCES, 'astronaut.png'), DIR, 8064, 6048, { orientation: 6 });
  const landscape: string = await bigPhoto(join(SOURCES, 'coffee.png'), DIR, 12000, 9000);
  writeFileSync(join(DIR, 'flat-8000x6000.png'), blackPng(8000, 6000));
  photos = [
    { name: '48 MP, EXIF 6', photo: portrait, reference: scaledReference(python, portrait, 2, join(DIR, 'astronaut-48-half.png')), size: [6048, 8064], scaled: [3024, 4032], decoder: 'scaled-frame-rgb-oriented' },
    { name: '108 MP', photo: landscape, reference: scaledReference(python, landscape, 2, join(DIR, 'coffee-108-half.png')), size: [12000, 9000], scaled: [6000, 4500], decoder: 'scaled-frame-rgb' },
  ];
});

test('48 and 108 MP phone photos are screened with the default options, decoded at 1/2 as libjpeg-turbo decodes them (probe model)', async ({ harness, page }) => {
  test.setTimeout(180_000);
  await harness.open();
  const results = await page.evaluate(
    async ({ model, cases }) => {
      const detector = await (window as any).veil.createDetector({ model, providers: ['wasm'], cache: false });
      const score = (r: any) => r.raw.nudenet[0]?.score as number | undefined;
      const out = [];
      try {
        for (const { photo, reference } of cases) {
          const result = await detector.detect(await (await fetch(photo)).blob());
          const scaled = await detector.detect(await (await fetch(reference)).blob());
          out.push({ size: [result.input.width, result.input.height], decoder: result.timings.decoder, notes: result.notes, decision: result.decision, photo: score(result), reference: score(scaled), referenceSize: [scaled.input.width, scaled.input.height] });
        }
      } finally {
        detector.dispose();
      }
      return out;
    },
    { model: PROBE, cases: photos.map((p) => ({ photo: url(p.photo), reference: url(p.reference) })) },
  );
  for (const [i, r] of results.entries()) {
    const p = photos[i]!;
    expect.soft(r.size, p.name).toEqual(p.size);
    expect.soft(r.referenceSize, p.name).toEqual(p.scaled);
    expect.soft(r.decoder, p.name).toBe(p.decoder);
    expect.soft(['pass', 'review', 'block'], p.name).toContain(r.decision);
    expect.soft(r.notes.join(' '), p.name).toContain(`decoded at ${p.scaled[0]} x ${p.scaled[1]}`);
    expect.soft(r.reference, p.name).toBeGreaterThan(0.25);
    expect.soft(r.photo, p.name).toBe(r.reference);
  }
});

test('a larger limits.maxDecodePixels decodes the 48 MP photo whole; a PNG over the ceiling is refused before decoding', async ({ harness, page }) => {
  test.setTimeout(120_000);
  await harness.open();
  const r = await page.evaluate(
    async ({ model, photo, png, small }) => {
      const { createDetector } = (window as any).veil;
      const whole = await createDetector({ model, providers: ['wasm'], cache: false, limits: { maxDecodePixels: 60e6 } });
      const standard = await createDetector({ model, providers: ['wasm'], cache: false });
      const blob = async (u: string) => (await fetch(u)).blob();
      try {
        const full = await whole.detect(await blob(photo));
        const refused = await standard.detect(await blob(png)).then(
          () => null,
          (e: any) => ({ code: e.code, message: e.message, limit: e.limit }),
        );
        const next = await standard.detect(await blob(small));
        return { full: { decoder: full.timings.decoder, notes: full.notes }, refused, next: next.decision };
      } finally {
        whole.dispose();
        standard.dispose();
      }
    },
    { model: PROBE, photo: url(photos[0]!.photo), png: url(join(DIR, 'flat-8000x6000.png')), small: imageUrl('landscape-640x480.jpg') },
  );
  expect(r.full.decoder).toBe('planes-I420-oriented');
  expect(r.full.notes.join(' ')).not.toContain('decoded at');
  expect(r.refused).toEqual({
    code: '4004',
    message:
      'The image is 8000 x 6000 (48.0 megapixels): decoding a PNG that large takes 192 MB, over the 40.0 megapixels decoded at once (limits.maxDecodePixels); only a JPEG is decoded at a reduced scale, so send it as a JPEG or smaller.',
    limit: { limit: 'maxDecodePixels', value: 48_000_000, max: 40_000_000, mime: 'image/png' },
  });
  expect(['pass', 'review', 'block']).toContain(r.next);
});
