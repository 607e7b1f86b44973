/**
 * jpegToRgb and webpToRgb turn decoded Y, Cb and Cr planes into RGB as
 * libjpeg-turbo and libwebp do. The browser tests check them byte for byte
 * against createImageBitmap and OpenCV on real files (pixels.spec.ts,
 * parity.spec.ts); these check the arithmetic on planes small enough to work out
 * by hand, that reading some rows changes nothing, and that an EXIF orientation
 * converted on the way gives the upright conversion turned.
 */
import { describe, expect, it } from 'vitest';
import { jpegToRgb, webpToRgb, type ChromaLayout, type Orientation, type Planes } from '../../src/worker/yuv-planes.js';

/** Planes laid out one after the other, with strides wider than the rows, as copyTo may give them. */
function planes(width: number, height: number, y: number[][], u: number[][], v: number[][], layout: ChromaLayout = 'I420'): Planes {
  const cw = layout === 'I444' ? width : (width + 1) >> 1;
  const ch = layout === 'I420' ? (height + 1) >> 1 : height;
  const stride = width + 3;
  const chromaStride = cw + 2;
  const data = new Uint8Array(stride * height + 2 * chromaStride * ch);
  y.forEach((row, r) => data.set(row, r * stride));
  const uOffset = stride * height;
  const vOffset = uOffset + chromaStride * ch;
  u.forEach((row, r) => data.set(row, uOffset + r * chromaStride));
  v.forEach((row, r) => data.set(row, vOffset + r * chromaStride));
  return { layout, data, width, height, y: { offset: 0, stride }, u: { offset: uOffset, stride: chromaStride }, v: { offset: vOffset, stride: chromaStride } };
}

const seeded = (seed: number) => () => {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return seed >>> 24;
};

function randomPlanes(width: number, height: number, seed: number, layout: ChromaLayout = 'I420'): Planes {
  const next = seeded(seed);
  const grid = (w: number, h: number) => Array.from({ length: h }, () => Array.from({ length: w }, next));
  const cw = layout === 'I444' ? width : (width + 1) >> 1;
  const ch = layout === 'I420' ? (height + 1) >> 1 : height;
  return planes(width, height, grid(width, height), grid(cw, ch), grid(cw, ch), layout);
}

describe('jpegToRgb (libjpeg-turbo)', () => {
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
    const { data, channels } = jpegToRgb(planes(4, 4, y, flat, flat));
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
    const rgb = jpegToRgb(planes(4, 2, grey, [[100, 100]], [[200, 200]])).data;
    expect(Array.from(rgb.subarray(0, 3))).toEqual([201, 58, 50]);
    // Chroma columns 0 and 64 in the only chroma row, whose vertical sums are 4 * Cb (0 and 256):
    // output columns (0 * 4 + 8) >> 4 = 0, (0 * 3 + 256 + 7) >> 4 = 16, (256 * 3 + 0 + 8) >> 4 = 48,
    // (256 * 4 + 7) >> 4 = 64. With Y = 128 and Cr = 128, blue is Y + round(1.772 * (Cb - 128)).
    const mid = [
      [128, 128, 128, 128],
      [128, 128, 128, 128],
    ];
    const blue = jpegToRgb(planes(4, 2, mid, [[0, 64]], [[128, 128]])).data;
    const expected = [0, 16, 48, 64].map((cb) => Math.min(255, Math.max(0, 128 + ((116130 * (cb - 128) + 32768) >> 16))));
    expect([blue[2], blue[5], blue[8], blue[11]]).toEqual(expected);
  });

  it('blends vertically with the chroma row above for even rows and below for odd rows, repeating the edges', () => {
    const y = Array.from({ length: 4 }, () => [128, 128, 128, 128]);
    // Chroma rows 0 and 160, flat across. Row 0 blends row 0 with itself (the edge repeats): 0;
    // row 1: 3 * 0 + 160 = 160, (160 * 4 + 8) >> 4 = 40; row 2: 3 * 160 + 0 = 480, 120;
    // row 3: 3 * 160 + 160 (the edge again) = 640, 160.
    const cbs = [0, 40, 120, 160];
    const out = jpegToRgb(planes(4, 4, y, [[0, 0], [160, 160]], [[128, 128], [128, 128]])).data;
    const blueOfRow = (r: number) => out[r * 4 * 3 + 2];
    expect([0, 1, 2, 3].map(blueOfRow)).toEqual(cbs.map((cb) => Math.min(255, Math.max(0, 128 + ((116130 * (cb - 128) + 32768) >> 16)))));
  });
});

describe('jpegToRgb, 4:2:2 and 4:4:4', () => {
  // Blue of Y 128 under Cr 128: 128 + CB_B[cb], CB_B[x] = round(1.772 * (x - 128)).
  const blue = (cb: number) => Math.min(255, Math.max(0, 128 + ((Math.round(1.772 * 65536) * (cb - 128) + 32768) >> 16)));

  it('4:2:2: h2v1_fancy_upsample, ends copied, 3/4 nearer + 1/4 further with biases 1 and 2', () => {
    // Cb 0, 100, 200 over 6 columns: 0 | (0 * 3 + 100 + 2) >> 2 = 25 | (300 + 0 + 1) >> 2 = 75 |
    // (300 + 200 + 2) >> 2 = 125 | (600 + 100 + 1) >> 2 = 175 | 200.
    const y = [[128, 128, 128, 128, 128, 128]];
    const out = jpegToRgb(planes(6, 1, y, [[0, 100, 200]], [[128, 128, 128]], 'I422')).data;
    expect([0, 1, 2, 3, 4, 5].map((x) => out[x * 3 + 2])).toEqual([0, 25, 75, 125, 175, 200].map(blue));
  });

  it('4:4:4: every pixel its own chroma', () => {
    const y = [[128, 128, 128]];
    const out = jpegToRgb(planes(3, 1, y, [[0, 77, 255]], [[128, 128, 128]], 'I444')).data;
    expect([out[2], out[5], out[8]]).toEqual([0, 77, 255].map(blue));
  });
});

describe('jpegToRgb in an EXIF orientation', () => {
  /** The upright RGB turned as VideoFrame's rotation (clockwise) then flip (mirror) show it. */
  function turn(rgb: Uint8Array, width: number, height: number, { rotation, flip }: Orientation): Uint8Array {
    const turned = rotation === 90 || rotation === 270;
    const w = turned ? height : width;
    const h = turned ? width : height;
    const out = new Uint8Array(rgb.length);
    for (let dy = 0; dy < h; dy++) {
      for (let dx = 0; dx < w; dx++) {
        const x = flip ? w - 1 - dx : dx;
        const [sx, sy] = rotation === 0 ? [x, dy] : rotation === 90 ? [dy, height - 1 - x] : rotation === 180 ? [width - 1 - x, height - 1 - dy] : [width - 1 - dy, x];
        out.set(rgb.subarray((sy * width + sx) * 3, (sy * width + sx) * 3 + 3), (dy * w + dx) * 3);
      }
    }
    return out;
  }

  for (const layout of ['I420', 'I422', 'I444'] as const) {
    for (const rotation of [0, 90, 180, 270] as const) {
      for (const flip of rotation === 0 ? [true] : [false, true]) {
        it(`${layout}, turned ${rotation}${flip ? ' and mirrored' : ''}: the upright pixels turned, whole and in part`, () => {
          const [width, height] = [37, 22];
          const source = randomPlanes(width, height, rotation * 7 + (flip ? 1 : 0), layout);
          const expected = turn(jpegToRgb(source).data as Uint8Array, width, height, { rotation, flip });
          const whole = jpegToRgb(source, null, { rotation, flip });
          const turned = rotation === 90 || rotation === 270;
          expect([whole.width, whole.height]).toEqual(turned ? [height, width] : [width, height]);
          expect(Buffer.compare(whole.data, expected)).toBe(0);
          const rows = Int32Array.from([0, 3, 4, 9, whole.height - 2, whole.height - 1]);
          const some = jpegToRgb(source, rows, { rotation, flip });
          const stride = whole.width * 3;
          rows.forEach((row, k) => {
            expect(some.rows![row]).toBe(k);
            expect(Buffer.compare(some.data.subarray(k * stride, (k + 1) * stride), expected.subarray(row * stride, (row + 1) * stride))).toBe(0);
          });
        });
      }
    }
  }
});

describe('webpToRgb (libwebp)', () => {
  // VP8YuvToRgb: y' = (Y * 19077) >> 8, then R = clip((y' + (V * 26149 >> 8) - 14234) >> 6), and so on.
  const rgbOf = (y: number, u: number, v: number) => {
    const clip = (x: number) => ((x & ~16383) === 0 ? x >> 6 : x < 0 ? 0 : 255);
    const luma = (y * 19077) >> 8;
    return [clip(luma + ((v * 26149) >> 8) - 14234), clip(luma - ((u * 6419) >> 8) - ((v * 13320) >> 8) + 8708), clip(luma + ((u * 33050) >> 8) - 17685)];
  };

  it('limited range: Y 16 is black and Y 235 is white under neutral chroma', () => {
    const y = [
      [16, 235, 126, 16],
      [235, 16, 16, 235],
      [16, 16, 16, 16],
      [235, 235, 235, 235],
    ];
    const flat = [
      [128, 128],
      [128, 128],
    ];
    const out = Array.from(webpToRgb(planes(4, 4, y, flat, flat)).data);
    // Worked out: (16 * 19077) >> 8 = 1192, (128 * 26149) >> 8 = 13074; 1192 + 13074 - 14234 = 32, >> 6 = 0.
    expect(out.slice(0, 3)).toEqual([0, 0, 0]);
    // (235 * 19077) >> 8 = 17512; 17512 + 13074 - 14234 = 16352, >> 6 = 255.
    expect(out.slice(3, 6)).toEqual([255, 255, 255]);
    expect(out).toEqual(y.flat().flatMap((v) => rgbOf(v, 128, 128)));
  });

  it('blends chroma across the 2x2 neighbourhood with the diagonals of upsampling.c', () => {
    // One row of two chroma samples, Cb 0 and 64, repeated below (row 0 pairs with itself).
    // Column 0: (3 * 0 + 0 + 2) >> 2 = 0. Column 1: sum = 0 + 64 + 0 + 64 + 8 = 136,
    // diag12 = (136 + 2 * (64 + 0)) >> 3 = 33, (33 + 0) >> 1 = 16. Column 2: diag03 = (136 + 2 * (0 + 64)) >> 3 = 33,
    // (33 + 64) >> 1 = 48. Column 3 (even width, the edge): (3 * 64 + 64 + 2) >> 2 = 64.
    const y = [
      [128, 128, 128, 128],
      [128, 128, 128, 128],
    ];
    const out = webpToRgb(planes(4, 2, y, [[0, 64]], [[128, 128]])).data;
    expect([out[2], out[5], out[8], out[11]]).toEqual([0, 16, 48, 64].map((cb) => rgbOf(128, cb, 128)[2]));
  });

  it('pairs rows 2k - 1 and 2k between chroma rows k - 1 and k, and repeats the last chroma row at an even bottom', () => {
    const y = Array.from({ length: 4 }, () => [128, 128, 128, 128]);
    // Chroma rows Cb 0 and 160. Row 0: row 0 with itself, 0. Row 1 (near 0, far 160), first column:
    // (3 * 0 + 160 + 2) >> 2 = 40. Row 2 (near 160, far 0): (480 + 0 + 2) >> 2 = 120. Row 3: the last chroma row with itself, 160.
    const out = webpToRgb(planes(4, 4, y, [[0, 0], [160, 160]], [[128, 128], [128, 128]])).data;
    expect([0, 1, 2, 3].map((r) => out[r * 4 * 3 + 2])).toEqual([0, 40, 120, 160].map((cb) => rgbOf(128, cb, 128)[2]));
  });
});

describe('reading some rows', () => {
  for (const [name, toRgb, layout] of [
    ['jpegToRgb', jpegToRgb, 'I420'],
    ['jpegToRgb 4:2:2', jpegToRgb, 'I422'],
    ['webpToRgb', webpToRgb, 'I420'],
  ] as const) {
    for (const [width, height] of [
      [7, 5],
      [333, 500],
      [640, 479],
    ] as const) {
      it(`${name}, ${width} x ${height}: the rows a resize reads are those of the whole image`, () => {
        const source = randomPlanes(width, height, width * 31 + height, layout);
        const whole = toRgb(source);
        // Rows as a large shrink reads them: some, ascending, both edges, odd and even ones.
        const rows = Int32Array.from(new Set([0, ...Array.from({ length: height }, (_, r) => r).filter((r) => r % 3 !== 0), height - 1]));
        const some = toRgb(source, rows);
        const stride = width * 3;
        rows.forEach((row, k) => {
          expect(some.rows![row]).toBe(k);
          expect(Buffer.compare(some.data.subarray(k * stride, (k + 1) * stride), whole.data.subarray(row * stride, (row + 1) * stride))).toBe(0);
        });
      });
    }
  }
});
