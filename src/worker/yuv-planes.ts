/**
 * A decoder's own Y, Cb and Cr planes (format I420, as WebCodecs' ImageDecoder
 * hands them back for a 4:2:0 JPEG or a lossy WebP) turned into RGB with the
 * arithmetic of the library both OpenCV and Chromium decode with, so the bytes are
 * those createImageBitmap gives and OpenCV's imread gives:
 *
 * - JPEG: libjpeg-turbo's "fancy" upsampling (jdsample.c h2v2_fancy_upsample) and
 *   fixed-point full-range YCbCr -> RGB (jdcolor.c ycc_rgb_convert).
 * - WebP: libwebp's fancy upsampler (dsp/upsampling.c UPSAMPLE_FUNC, rows paired
 *   as io_dec.c EmitFancyRGB pairs them) and its 14-bit limited-range YUV -> RGB
 *   (dsp/yuv.h VP8YuvToRgb).
 *
 * Only the rows a resize reads need converting (Pixels.rows). image-decoder.ts
 * decides when these apply.
 */
import { rowIndex, type Pixels } from '../image/pixels.js';

/** jdcolor.c's tables: SCALEBITS 16, FIX(x) = round(x * 2^16). */
const SCALE_BITS = 16;
const ONE_HALF = 1 << (SCALE_BITS - 1);
const fix = (x: number) => Math.round(x * (1 << SCALE_BITS));
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALE_BITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALE_BITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

/** The planes of one 4:2:0 image: Y is width x height, Cb and Cr are ceil(width/2) x ceil(height/2). */
export interface I420 {
  data: Uint8Array;
  width: number;
  height: number;
  y: { offset: number; stride: number };
  u: { offset: number; stride: number };
  v: { offset: number; stride: number };
}

/**
 * h2v2_fancy_upsample for one output row: `near` is the chroma row the output row
 * falls in, `far` the next nearest (the row above for even output rows, below for
 * odd ones). Writes 2 * chromaWidth samples.
 */
function upsampleRow(src: Uint8Array, near: number, far: number, chromaWidth: number, out: Int32Array): void {
  let thisSum = src[near]! * 3 + src[far]!;
  let nextSum = src[near + 1]! * 3 + src[far + 1]!;
  out[0] = (thisSum * 4 + 8) >> 4;
  out[1] = (thisSum * 3 + nextSum + 7) >> 4;
  let lastSum = thisSum;
  thisSum = nextSum;
  let o = 2;
  for (let c = 2; c < chromaWidth; c++) {
    nextSum = src[near + c]! * 3 + src[far + c]!;
    out[o++] = (thisSum * 3 + lastSum + 8) >> 4;
    out[o++] = (thisSum * 3 + nextSum + 7) >> 4;
    lastSum = thisSum;
    thisSum = nextSum;
  }
  out[o++] = (thisSum * 3 + lastSum + 8) >> 4;
  out[o] = (thisSum * 4 + 7) >> 4;
}

/**
 * RGB pixels from a JPEG's I420 planes, as libjpeg-turbo makes them; with `rows`,
 * only those source rows (ascending), as Pixels.rows describes.
 */
export function jpegToRgb(planes: I420, rows: Int32Array | null = null): Pixels {
  const { data, width, height, y, u, v } = planes;
  const chromaWidth = (width + 1) >> 1;
  const chromaHeight = (height + 1) >> 1;
  const count = rows ? rows.length : height;
  const rgb = new Uint8Array(width * count * 3);
  const cb = new Int32Array(chromaWidth * 2);
  const cr = new Int32Array(chromaWidth * 2);
  for (let k = 0; k < count; k++) {
    const row = rows ? rows[k]! : k;
    const c = row >> 1;
    // The row beyond the first or last chroma row is that row again (jdmainct.c's context rows).
    const f = row & 1 ? Math.min(c + 1, chromaHeight - 1) : Math.max(c - 1, 0);
    upsampleRow(data, u.offset + c * u.stride, u.offset + f * u.stride, chromaWidth, cb);
    upsampleRow(data, v.offset + c * v.stride, v.offset + f * v.stride, chromaWidth, cr);
    let s = y.offset + row * y.stride;
    let d = k * width * 3;
    for (let x = 0; x < width; x++, s++) {
      const luma = data[s]!;
      const blue = cb[x]!;
      const red = cr[x]!;
      const r = luma + CR_R[red]!;
      const g = luma + ((CB_G[blue]! + CR_G[red]!) >> SCALE_BITS);
      const b = luma + CB_B[blue]!;
      rgb[d++] = r < 0 ? 0 : r > 255 ? 255 : r;
      rgb[d++] = g < 0 ? 0 : g > 255 ? 255 : g;
      rgb[d++] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return pixelsOf(rgb, width, height, rows);
}

function pixelsOf(rgb: Uint8Array, width: number, height: number, rows: Int32Array | null): Pixels {
  return rows ? { data: rgb, width, height, channels: 3, rows: rowIndex(height, rows) } : { data: rgb, width, height, channels: 3 };
}

/** libwebp's VP8YuvToRgb: 14-bit fixed point, limited-range BT.601, clipped as VP8Clip8 does. */
const multHi = (v: number, coeff: number) => (v * coeff) >> 8;
const clip8 = (v: number) => ((v & ~16383) === 0 ? v >> 6 : v < 0 ? 0 : 255);

/** One pixel of libwebp's VP8YuvToRgb into `rgb` at byte `o`. */
function putWebp(rgb: Uint8Array, o: number, luma: number, u: number, v: number): void {
  const y = multHi(luma, 19077);
  rgb[o] = clip8(y + multHi(v, 26149) - 14234);
  rgb[o + 1] = clip8(y - multHi(u, 6419) - multHi(v, 13320) + 8708);
  rgb[o + 2] = clip8(y + multHi(u, 33050) - 17685);
}

/**
 * One output row of libwebp's fancy upsampler: `near` is the chroma row weighted 3,
 * `far` the one weighted 1 (for the top row of a pair, near is the upper chroma row).
 */
function webpRow(data: Uint8Array, luma: number, nearU: number, nearV: number, farU: number, farV: number, width: number, rgb: Uint8Array, out: number): void {
  const put = (x: number, u: number, v: number) => putWebp(rgb, out + x * 3, data[luma + x]!, u, v);
  let leftNearU = data[nearU]!;
  let leftNearV = data[nearV]!;
  let leftFarU = data[farU]!;
  let leftFarV = data[farV]!;
  put(0, (3 * leftNearU + leftFarU + 2) >> 2, (3 * leftNearV + leftFarV + 2) >> 2);
  const pairs = (width - 1) >> 1;
  for (let x = 1; x <= pairs; x++) {
    const nu = data[nearU + x]!;
    const nv = data[nearV + x]!;
    const fu = data[farU + x]!;
    const fv = data[farV + x]!;
    const sumU = leftNearU + nu + leftFarU + fu + 8;
    const sumV = leftNearV + nv + leftFarV + fv + 8;
    // The two diagonals of the 2x2 chroma neighbourhood, as upsampling.c names them.
    const diag12U = (sumU + 2 * (nu + leftFarU)) >> 3;
    const diag12V = (sumV + 2 * (nv + leftFarV)) >> 3;
    const diag03U = (sumU + 2 * (leftNearU + fu)) >> 3;
    const diag03V = (sumV + 2 * (leftNearV + fv)) >> 3;
    put(2 * x - 1, (diag12U + leftNearU) >> 1, (diag12V + leftNearV) >> 1);
    put(2 * x, (diag03U + nu) >> 1, (diag03V + nv) >> 1);
    leftNearU = nu;
    leftNearV = nv;
    leftFarU = fu;
    leftFarV = fv;
  }
  if (!(width & 1)) put(width - 1, (3 * leftNearU + leftFarU + 2) >> 2, (3 * leftNearV + leftFarV + 2) >> 2);
}

/**
 * RGB pixels from a lossy WebP's I420 planes, as libwebp makes them; with `rows`,
 * only those source rows (ascending). Output row 0 blends chroma row 0 with itself;
 * then rows pair up, 2k - 1 and 2k, between chroma rows k - 1 and k; the last row of
 * an even height blends the last chroma row with itself.
 */
export function webpToRgb(planes: I420, rows: Int32Array | null = null): Pixels {
  const { data, width, height, y, u, v } = planes;
  const chromaHeight = (height + 1) >> 1;
  const count = rows ? rows.length : height;
  const rgb = new Uint8Array(width * count * 3);
  for (let k = 0; k < count; k++) {
    const row = rows ? rows[k]! : k;
    let near: number;
    let far: number;
    if (row === 0) {
      near = far = 0;
    } else if (row & 1) {
      const pair = (row + 1) >> 1; // the bottom row of an even height has no pair: its chroma row twice
      near = pair < chromaHeight ? pair - 1 : chromaHeight - 1;
      far = pair < chromaHeight ? pair : chromaHeight - 1;
    } else {
      near = row >> 1;
      far = near - 1;
    }
    webpRow(data, y.offset + row * y.stride, u.offset + near * u.stride, v.offset + near * v.stride, u.offset + far * u.stride, v.offset + far * v.stride, width, rgb, k * width * 3);
  }
  return pixelsOf(rgb, width, height, rows);
}
