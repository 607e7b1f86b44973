/**
 * i420ToRgb turns a JPEG's decoded Y, Cb and Cr planes into RGB as libjpeg-turbo
 * does (jdsample.c h2v2_fancy_upsample, jdcolor.c ycc_rgb_convert). The browser
 * tests check it byte for byte against createImageBitmap and OpenCV on real
 * JPEGs (pixels.spec.ts, parity.spec.ts); these check the arithmetic on planes
 * small enough to work out by hand, and that reading some rows changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { i420ToRgb, type I420 } from '../../src/local/jpeg-planes.js';

/** Planes laid out one after the other, with strides wider than the rows, as copyTo may give them. */
function planes(width: number, height: number, y: number[][], u: number[][], v: number[][]): I420 {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const stride = width + 3;
  const chromaStride = cw + 2;
  const data = new Uint8Array(stride * height + 2 * chromaStride * ch);
  y.forEach((row, r) => data.set(row, r * stride));
  const uOffset = stride * height;
  const vOffset = uOffset + chromaStride * ch;
  u.forEach((row, r) => data.set(row, uOffset + r * chromaStride));
  v.forEach((row, r) => data.set(row, vOffset + r * chromaStride));
  return { data, width, height, y: { offset: 0, stride }, u: { offset: uOffset, stride: chromaStride }, v: { offset: vOffset, stride: chromaStride } };
}

const seeded = (seed: number) => () => {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return seed >>> 24;
};

function randomPlanes(width: number, height: number, seed: number): I420 {
  const next = seeded(seed);
  const grid = (w: number, h: number) => Array.from({ length: h }, () => Array.from({ length: w }, next));
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  return planes(width, height, grid(width, height), grid(cw, ch), grid(cw, ch));
}

describe('i420ToRgb', () => {
  it('neutral chroma gives grey: R = G = B = Y', () => {
    const y = [
      [0, 17, 128, 255],
      [3, 90, 200, 254],
      [1, 2, 3, 4],
      [250, 251, 252, 253],
    ];
    const flat = [
      [128, 128],
      [128, 128],
    ];
    const { data, channels } = i420ToRgb(planes(4, 4, y, flat, flat));
    expect(channels).toBe(3);
    expect(Array.from(data)).toEqual(y.flat().flatMap((v) => [v, v, v]));
  });

  it("follows libjpeg's fixed-point conversion and fancy upsampling, worked out by hand", () => {
    // Flat chroma: upsampling gives back the sample (3 * 4 * c + 8) >> 4 = c, so only the conversion shows.
    // Cb = 100, Cr = 200, Y = 100: R = 100 + ((91881 * 72 + 32768) >> 16) = 100 + 101 = 201;
    // G = 100 + ((-22554 * -28 + 32768 - 46802 * 72) >> 16) = 100 + (-2705464 >> 16) = 100 - 42 = 58;
    // B = 100 + ((116130 * -28 + 32768) >> 16) = 100 + (-3218872 >> 16) = 100 - 50 = 50.
    const grey = [
      [100, 100, 100, 100],
      [100, 100, 100, 100],
    ];
    const rgb = i420ToRgb(planes(4, 2, grey, [[100, 100]], [[200, 200]])).data;
    expect(Array.from(rgb.subarray(0, 3))).toEqual([201, 58, 50]);
    // Chroma columns 0 and 64 in the only chroma row, whose vertical sums are 4 * Cb (0 and 256):
    // output columns (0 * 4 + 8) >> 4 = 0, (0 * 3 + 256 + 7) >> 4 = 16, (256 * 3 + 0 + 8) >> 4 = 48,
    // (256 * 4 + 7) >> 4 = 64. With Y = 128 and Cr = 128, blue is Y + round(1.772 * (Cb - 128)).
    const mid = [
      [128, 128, 128, 128],
      [128, 128, 128, 128],
    ];
    const blue = i420ToRgb(planes(4, 2, mid, [[0, 64]], [[128, 128]])).data;
    const expected = [0, 16, 48, 64].map((cb) => Math.min(255, Math.max(0, 128 + ((116130 * (cb - 128) + 32768) >> 16))));
    expect([blue[2], blue[5], blue[8], blue[11]]).toEqual(expected);
  });

  it('blends vertically with the chroma row above for even rows and below for odd rows, repeating the edges', () => {
    const y = Array.from({ length: 4 }, () => [128, 128, 128, 128]);
    // Chroma rows 0 and 160, flat across. Row 0 blends row 0 with itself (the edge repeats): 0;
    // row 1: 3 * 0 + 160 = 160, (160 * 4 + 8) >> 4 = 40; row 2: 3 * 160 + 0 = 480, 120;
    // row 3: 3 * 160 + 160 (the edge again) = 640, 160.
    const cbs = [0, 40, 120, 160];
    const out = i420ToRgb(planes(4, 4, y, [[0, 0], [160, 160]], [[128, 128], [128, 128]])).data;
    const blueOfRow = (r: number) => out[r * 4 * 3 + 2];
    expect([0, 1, 2, 3].map(blueOfRow)).toEqual(cbs.map((cb) => Math.min(255, Math.max(0, 128 + ((116130 * (cb - 128) + 32768) >> 16)))));
  });

  for (const [width, height] of [
    [7, 5],
    [333, 500],
    [640, 479],
  ] as const) {
    it(`${width} x ${height}: the rows a resize reads are those of the whole image`, () => {
      const source = randomPlanes(width, height, width * 31 + height);
      const whole = i420ToRgb(source);
      // Rows as a large shrink reads them: some, ascending, including both edges.
      const rows = Int32Array.from(new Set([0, ...Array.from({ length: height }, (_, r) => r).filter((r) => r % 3 === 1), height - 1]));
      const some = i420ToRgb(source, rows);
      expect(some.rows).toBeDefined();
      rows.forEach((row, k) => {
        expect(some.rows![row]).toBe(k);
        expect(some.data.subarray(k * width * 3, (k + 1) * width * 3)).toEqual(whole.data.subarray(row * width * 3, (row + 1) * width * 3));
      });
    });
  }
});
