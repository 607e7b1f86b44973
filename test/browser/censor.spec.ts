/**
 * censor() covers exactly the boxes of the chosen classes, in each style, and
 * leaves every other pixel as it was; boxes follow the image when it is smaller
 * than the one that was screened.
 */
import type { Page } from '@playwright/test';
import { imageUrl, modelUrl } from '../support/fixture-data.js';
import { expect, test } from './fixtures.js';

test.use({ onePage: true }); // a page shared by the file's tests (fixtures.ts)

const BREAST = { cls: 'FEMALE_BREAST_EXPOSED', score: 0.9, box: [20, 30, 60, 40] };
const FACE = { cls: 'FACE_FEMALE', score: 0.8, box: [120, 20, 50, 50] };

/**
 * Censors a 200 x 150 image of random 4-pixel cells (detail a blur must remove)
 * and reports, per region, how many pixels changed and how varied they are.
 */
async function censorTextured(page: Page, options: object, { scale = 1, detections = [BREAST, FACE] } = {}) {
  return page.evaluate(
    async ({ options, scale, detections }) => {
      const { censor } = (window as any).veil;
      const w = 200 * scale;
      const h = 150 * scale;
      const source = document.createElement('canvas');
      source.width = w;
      source.height = h;
      const sctx = source.getContext('2d')!;
      let seed = 7;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 255;
      for (let y = 0; y < h; y += 4) {
        for (let x = 0; x < w; x += 4) {
          sctx.fillStyle = `rgb(${rand()},${rand()},${rand()})`;
          sctx.fillRect(x, y, 4, 4);
        }
      }
      const before = sctx.getImageData(0, 0, w, h).data;
      const out: HTMLCanvasElement = await censor(source, { detections, input: { width: 200, height: 150 } }, options);
      const after = out.getContext('2d')!.getImageData(0, 0, out.width, out.height).data;

      const region = (x0: number, y0: number, x1: number, y1: number) => {
        let changed = 0;
        let black = 0;
        let n = 0;
        let sum = 0;
        let sumSq = 0;
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const i = (y * w + x) * 4;
            const same = before[i] === after[i] && before[i + 1] === after[i + 1] && before[i + 2] === after[i + 2];
            changed += same ? 0 : 1;
            black += after[i] === 0 && after[i + 1] === 0 && after[i + 2] === 0 ? 1 : 0;
            sum += after[i]!;
            sumSq += after[i]! ** 2;
            n++;
          }
        }
        return { n, changed, black, spread: Math.sqrt(sumSq / n - (sum / n) ** 2) };
      };
      // Everything outside the (scaled) breast box, counted row by row.
      let outsideChanged = 0;
      const [bx, by, bw, bh] = [20 * scale, 30 * scale, 60 * scale, 40 * scale];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          if (x >= bx && x < bx + bw && y >= by && y < by + bh) continue;
          const i = (y * w + x) * 4;
          if (before[i] !== after[i] || before[i + 1] !== after[i + 1] || before[i + 2] !== after[i + 2]) outsideChanged++;
        }
      }
      return {
        size: [out.width, out.height],
        breast: region(bx, by, bx + bw, by + bh),
        face: region(120 * scale, 20 * scale, 170 * scale, 70 * scale),
        original: (() => {
          let s = 0;
          let q = 0;
          let n = 0;
          for (let y = by; y < by + bh; y++) for (let x = bx; x < bx + bw; x++, n++) (s += before[(y * w + x) * 4]!), (q += before[(y * w + x) * 4]! ** 2);
          return Math.sqrt(q / n - (s / n) ** 2);
        })(),
        outsideChanged,
      };
    },
    { options, scale, detections },
  );
}

test.beforeEach(async ({ harness }) => harness.open());

test('black: every pixel of the box is black, nothing else changes', async ({ page }) => {
  const r = await censorTextured(page, { style: 'black' });
  expect(r.size).toEqual([200, 150]);
  expect(r.breast.black).toBe(r.breast.n);
  expect(r.outsideChanged).toBe(0); // FACE_FEMALE is not covered by default
  expect(r.face.changed).toBe(0);
});

test('pixelate: the box becomes flat cells, nothing else changes', async ({ page }) => {
  const r = await censorTextured(page, { style: 'pixelate' });
  expect(r.breast.changed / r.breast.n).toBeGreaterThan(0.9);
  expect(r.outsideChanged).toBe(0);
  // Cells of 5 px (60 / 12): each one a single colour.
  const flat = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 60;
    canvas.height = 40;
    const ctx = canvas.getContext('2d')!;
    for (let i = 0; i < 60; i++) (ctx.fillStyle = `hsl(${i * 47} 80% 50%)`), ctx.fillRect(i, 0, 1, 40);
    const out: HTMLCanvasElement = await (window as any).veil.censor(canvas, { detections: [{ cls: 'ANUS_EXPOSED', score: 1, box: [0, 0, 60, 40] }] }, { style: 'pixelate' });
    const d = out.getContext('2d')!.getImageData(0, 0, 60, 40).data;
    return [0, 5, 10].map((x0) => new Set(Array.from({ length: 5 }, (_, k) => d[(2 * 60 + x0 + k) * 4]!)).size);
  });
  expect(flat).toEqual([1, 1, 1]);
});

test('blur: the detail in the box is gone, nothing else changes', async ({ page }) => {
  const r = await censorTextured(page, { style: 'blur' });
  expect(r.breast.changed / r.breast.n).toBeGreaterThan(0.9);
  expect(r.breast.spread).toBeLessThan(r.original / 4);
  expect(r.outsideChanged).toBe(0);
});

test('classes and padding choose what is covered', async ({ page }) => {
  const face = await censorTextured(page, { style: 'black', classes: ['FACE_FEMALE'] });
  expect(face.face.black).toBe(face.face.n);
  expect(face.breast.changed).toBe(0);

  const padded = await censorTextured(page, { style: 'black', padding: 4 }, { detections: [BREAST] });
  // 4 px all round: (60 + 8) x (40 + 8) black pixels, all of them outside the box but the box itself.
  expect(padded.breast.black).toBe(padded.breast.n);
  expect(padded.outsideChanged).toBe(68 * 48 - 60 * 40);
});

test('boxes are scaled to a smaller or larger copy of the screened image', async ({ page }) => {
  const r = await censorTextured(page, { style: 'black' }, { scale: 2 });
  expect(r.size).toEqual([400, 300]);
  expect(r.breast.black).toBe(r.breast.n);
  expect(r.outsideChanged).toBe(0);
});

test('a real result on a file: the detected patch is covered', async ({ page }) => {
  const r = await page.evaluate(
    async ({ model, url }) => {
      const { createDetector, censor } = (window as any).veil;
      const detector = await createDetector({ model, providers: ['wasm'] });
      const blob = await (await fetch(url)).blob();
      const result = await detector.detect(blob);
      detector.dispose();
      const out: HTMLCanvasElement = await censor(blob, result, { style: 'black' });
      const ctx = out.getContext('2d')!;
      const [x, y, w, h] = result.detections.find((d: any) => d.cls === 'FEMALE_BREAST_EXPOSED').box;
      return {
        inside: [...ctx.getImageData(x + w / 2, y + h / 2, 1, 1).data],
        face: [...ctx.getImageData(445, 115, 1, 1).data], // the green FACE_FEMALE patch, not covered
      };
    },
    { model: modelUrl(320), url: imageUrl('landscape-640x480.jpg') },
  );
  expect(r.inside).toEqual([0, 0, 0, 255]);
  expect(r.face[1]).toBeGreaterThan(200);
});

test('an unknown style is refused with 4001', async ({ page }) => {
  const error = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    return (window as any).veil.censor(canvas, { detections: [] }, { style: 'swirl' }).then(
      () => null,
      (e: any) => ({ code: e.code, message: e.message }),
    );
  });
  expect(error).toMatchObject({ code: '4001' });
  expect(error!.message).toContain('"blur", "pixelate" or "black"');
});
