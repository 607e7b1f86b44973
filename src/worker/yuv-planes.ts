/**
 * A decoder's own Y, Cb and Cr planes (WebCodecs' ImageDecoder hands them back as
 * I420 for a 4:2:0 JPEG or a lossy WebP, I422 for a 4:2:2 JPEG, I444 for a 4:4:4
 * one) turned into RGB with the arithmetic of the library both OpenCV and
 * Chromium decode with, so the bytes are those createImageBitmap gives and
 * OpenCV's imread gives:
 *
 * - JPEG: libjpeg-turbo's "fancy" upsampling (jdsample.c h2v2_fancy_upsample for
 *   4:2:0, h2v1_fancy_upsample for 4:2:2, none for 4:4:4; its SIMD versions give
 *   the same bytes) and fixed-point full-range YCbCr -> RGB (jdcolor.c
 *   ycc_rgb_convert). Merged upsampling (jdmerge.c) never applies: libjpeg-turbo
 *   uses it only with fancy upsampling off, and Chromium and OpenCV leave it on.
 * - WebP: libwebp's fancy upsampler (dsp/upsampling.c UPSAMPLE_FUNC, rows paired
 *   as io_dec.c EmitFancyRGB pairs them) and its 14-bit limited-range YUV -> RGB
 *   (dsp/yuv.h VP8YuvToRgb).
 *
 * Only the rows a resize reads need converting (Pixels.rows). A JPEG with an EXIF
 * orientation is converted straight into its displayed orientation, those rows
 * only: each displayed pixel is computed from the stored planes where it comes
 * from. image-decoder.ts decides when these apply.
 */
import { rowIndex, type Pixels } from '../image/pixels.js';
import type { Orientation } from './orientation.js';

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

/** How the chroma planes are subsampled: I420 halves both sides, I422 the width only, I444 neither. */
export type ChromaLayout = 'I420' | 'I422' | 'I444';

/**
 * The planes of one image: Y is width x height; Cb and Cr are ceil(width/2) wide
 * for I420 and I422, ceil(height/2) high for I420.
 */
export interface Planes {
  layout: ChromaLayout;
  data: Uint8Array;
  width: number;
  height: number;
  y: { offset: number; stride: number };
  u: { offset: number; stride: number };
  v: { offset: number; stride: number };
}

/** The smallest Y plane each layout is taken from: libjpeg-turbo's fancy upsamplers need chroma more than 2 samples wide. */
export const MIN_WIDTH: Record<ChromaLayout, number> = { I420: 5, I422: 5, I444: 1 };

const chromaWidth = (p: Planes) => (p.layout === 'I444' ? p.width : (p.width + 1) >> 1);
const chromaHeight = (p: Planes) => (p.layout === 'I420' ? (p.height + 1) >> 1 : p.height);

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

/** h2v1_fancy_upsample for one row starting at `start`: 3/4 of the nearer sample, 1/4 of the further; the ends copied. */
function upsampleRowH2v1(src: Uint8Array, start: number, chromaWidth: number, out: Int32Array): void {
  let value = src[start]!;
  out[0] = value;
  out[1] = (value * 3 + src[start + 1]! + 2) >> 2;
  let o = 2;
  for (let c = 1; c < chromaWidth - 1; c++) {
    value = src[start + c]! * 3;
    out[o++] = (value + src[start + c - 1]! + 1) >> 2;
    out[o++] = (value + src[start + c + 1]! + 2) >> 2;
  }
  value = src[start + chromaWidth - 1]!;
  out[o++] = (value * 3 + src[start + chromaWidth - 2]! + 1) >> 2;
  out[o] = value;
}

/** One row of a chroma plane, upsampled to full width as libjpeg-turbo does for `layout`. */
function chromaRow(p: Planes, plane: { offset: number; stride: number }, row: number, out: Int32Array): void {
  const { data, layout } = p;
  const cw = chromaWidth(p);
  if (layout === 'I444') {
    const start = plane.offset + row * plane.stride;
    for (let x = 0; x < cw; x++) out[x] = data[start + x]!;
  } else if (layout === 'I422') {
    upsampleRowH2v1(data, plane.offset + row * plane.stride, cw, out);
  } else {
    const c = row >> 1;
    // The row beyond the first or last chroma row is that row again (jdmainct.c's context rows).
    const f = row & 1 ? Math.min(c + 1, chromaHeight(p) - 1) : Math.max(c - 1, 0);
    upsampleRow(data, plane.offset + c * plane.stride, plane.offset + f * plane.stride, cw, out);
  }
}

/** ycc_rgb_convert for one pixel into `rgb` at byte `o`. */
function putJpeg(rgb: Uint8Array, o: number, luma: number, blue: number, red: number): void {
  const r = luma + CR_R[red]!;
  const g = luma + ((CB_G[blue]! + CR_G[red]!) >> SCALE_BITS);
  const b = luma + CB_B[blue]!;
  rgb[o] = r < 0 ? 0 : r > 255 ? 255 : r;
  rgb[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
  rgb[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
}

/**
 * RGB pixels from a JPEG's planes, as libjpeg-turbo makes them; with `rows`, only
 * those rows (ascending), as Pixels.rows describes. With an `orientation`, the
 * pixels (and `rows`) are in the displayed orientation.
 */
export function jpegToRgb(planes: Planes, rows: Int32Array | null = null, orientation?: Orientation): Pixels {
  if (orientation && (orientation.rotation || orientation.flip)) return orientedJpegToRgb(planes, rows, orientation);
  const { data, width, height, y } = planes;
  const count = rows ? rows.length : height;
  const rgb = new Uint8Array(width * count * 3);
  const cb = new Int32Array(width + 1);
  const cr = new Int32Array(width + 1);
  for (let k = 0; k < count; k++) {
    const row = rows ? rows[k]! : k;
    chromaRow(planes, planes.u, row, cb);
    chromaRow(planes, planes.v, row, cr);
    let s = y.offset + row * y.stride;
    let d = k * width * 3;
    for (let x = 0; x < width; x++, s++, d += 3) putJpeg(rgb, d, data[s]!, cb[x]!, cr[x]!);
  }
  return pixelsOf(rgb, width, height, rows);
}

/** Where a stored row's chroma comes from: the near and far chroma rows (the same row unless I420, whose vertical step is h2v2_fancy_upsample's). */
function chromaRows(p: Planes, plane: { offset: number; stride: number }, row: number): [number, number] {
  if (p.layout !== 'I420') return [plane.offset + row * plane.stride, plane.offset + row * plane.stride];
  const c = row >> 1;
  const far = row & 1 ? Math.min(c + 1, chromaHeight(p) - 1) : Math.max(c - 1, 0);
  return [plane.offset + c * plane.stride, plane.offset + far * plane.stride];
}

/**
 * The upsamplers for single columns: with s(i) = 3 x near[i] + far[i] (the column
 * sums of h2v2_fancy_upsample's first pass; 4 x the sample when near and far are
 * the same row), chroma at column x is (3 s(near) + s(far) + bias) >> 4, `far` =
 * `near` at the ends, which gives each upsampler's edge values too: the same
 * bytes as chromaRow (for I422 and I444 the sums are 4 x the sample, so h2v1's
 * biases 1 and 2 become 4 and 8).
 */
function columnTaps(p: Planes, columns: ArrayLike<number>) {
  const { layout } = p;
  const last = chromaWidth(p) - 1;
  const near = new Int32Array(columns.length);
  const far = new Int32Array(columns.length);
  const bias = new Int32Array(columns.length);
  for (let k = 0; k < columns.length; k++) {
    const x = columns[k]!;
    if (layout === 'I444') {
      near[k] = far[k] = x;
      continue;
    }
    const i = x >> 1;
    const odd = x & 1;
    near[k] = i;
    far[k] = odd ? Math.min(i + 1, last) : Math.max(i - 1, 0);
    bias[k] = layout === 'I420' ? (odd ? 7 : 8) : odd ? 8 : 4;
  }
  return { near, far, bias };
}

/**
 * jpegToRgb into the displayed orientation. Turned by 0 or 180 degrees, each
 * displayed row is a stored row, maybe reversed. Turned by 90 or 270, it is a
 * stored column: the stored rows are walked in order, each giving one displayed
 * column of every displayed row read.
 */
function orientedJpegToRgb(planes: Planes, rows: Int32Array | null, { rotation, flip }: Orientation): Pixels {
  const { data, width: sw, height: sh, y } = planes;
  const turned = rotation === 90 || rotation === 270;
  const width = turned ? sh : sw;
  const height = turned ? sw : sh;
  const count = rows ? rows.length : height;
  const rgb = new Uint8Array(width * count * 3);
  if (!turned) {
    const line = jpegToRgb(planes, Int32Array.from({ length: count }, (_, k) => {
      const dy = rows ? rows[k]! : k;
      return rotation === 180 ? sh - 1 - dy : dy;
    }).sort());
    const at = line.rows!;
    const reversed = (rotation === 180) !== flip;
    for (let k = 0; k < count; k++) {
      const dy = rows ? rows[k]! : k;
      let s = at[rotation === 180 ? sh - 1 - dy : dy]! * width * 3;
      let d = k * width * 3;
      if (!reversed) {
        rgb.set(line.data.subarray(s, s + width * 3), d);
        continue;
      }
      s += (width - 1) * 3;
      for (let x = 0; x < width; x++, s -= 3, d += 3) {
        rgb[d] = line.data[s]!;
        rgb[d + 1] = line.data[s + 1]!;
        rgb[d + 2] = line.data[s + 2]!;
      }
    }
    return pixelsOf(rgb, width, height, rows);
  }
  // Displayed row dy is stored column sx; stored row sy is displayed column dx.
  const columns = Int32Array.from({ length: count }, (_, k) => {
    const dy = rows ? rows[k]! : k;
    return rotation === 90 ? dy : sw - 1 - dy;
  });
  const taps = columnTaps(planes, columns);
  // Stored rows in bands, so each displayed row is written a run of pixels at a time.
  const band = 16;
  const uNear = new Int32Array(band);
  const uFar = new Int32Array(band);
  const vNear = new Int32Array(band);
  const vFar = new Int32Array(band);
  const rowBytes = width * 3;
  const step = (rotation === 90) !== flip ? -3 : 3; // along dx as sy grows
  for (let top = 0; top < sh; top += band) {
    const rowsInBand = Math.min(band, sh - top);
    for (let j = 0; j < rowsInBand; j++) {
      [uNear[j], uFar[j]] = chromaRows(planes, planes.u, top + j);
      [vNear[j], vFar[j]] = chromaRows(planes, planes.v, top + j);
    }
    const x = rotation === 90 ? sh - 1 - top : top;
    const first = (flip ? width - 1 - x : x) * 3;
    for (let k = 0; k < count; k++) {
      const n = taps.near[k]!;
      const f = taps.far[k]!;
      const b = taps.bias[k]!;
      let d = k * rowBytes + first;
      let luma = y.offset + top * y.stride + columns[k]!;
      for (let j = 0; j < rowsInBand; j++, d += step, luma += y.stride) {
        const un = uNear[j]!;
        const uf = uFar[j]!;
        const vn = vNear[j]!;
        const vf = vFar[j]!;
        const blue = (3 * (3 * data[un + n]! + data[uf + n]!) + 3 * data[un + f]! + data[uf + f]! + b) >> 4;
        const red = (3 * (3 * data[vn + n]! + data[vf + n]!) + 3 * data[vn + f]! + data[vf + f]! + b) >> 4;
        putJpeg(rgb, d, data[luma]!, blue, red);
      }
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
export function webpToRgb(planes: Planes, rows: Int32Array | null = null): Pixels {
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
