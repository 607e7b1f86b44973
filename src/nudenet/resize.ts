/**
 * OpenCV's `cv::resize(..., INTER_LINEAR)` for 8-bit images, bit for bit.
 *
 * NudeNet resizes with OpenCV, and a canvas `drawImage` does not filter the same
 * way: to give the model the very tensor
 * NudeNet gives it, we repeat OpenCV's arithmetic on decoded pixels. That is its
 * fixed-point path: float32 source coordinates, 11-bit integer weights, a
 * horizontal pass into 32-bit sums, then a vertical pass that drops 4 bits before
 * multiplying. An exact 2x shrink in both directions is, in OpenCV too, a 2x2
 * box average instead.
 */
import { roundHalfEven, type Pixels } from '../image/pixels.js';

/** OpenCV's INTER_RESIZE_COEF_BITS: the weights are fixed point with 11 fractional bits. */
const COEF_SCALE = 2048;

interface Taps {
  /** First source index of each destination index. */
  readonly index: Int32Array;
  /** Weight of `index` and of `index + 1`, fixed point. */
  readonly w0: Int32Array;
  readonly w1: Int32Array;
}

/**
 * Source taps along one axis, as OpenCV's `resizeGeneric` computes them. `clampEdges`
 * is true for x, where OpenCV pins out-of-range taps to the edge with a zero
 * fraction; along y it keeps the fraction and clamps only the row index.
 */
function linearTaps(srcLength: number, dstLength: number, clampEdges: boolean): Taps {
  const scale = 1 / (dstLength / srcLength); // OpenCV inverts inv_scale; keep its rounding.
  const index = new Int32Array(dstLength);
  const w0 = new Int32Array(dstLength);
  const w1 = new Int32Array(dstLength);
  for (let d = 0; d < dstLength; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampEdges) {
      if (s < 0) {
        s = 0;
        f = 0;
      }
      if (s >= srcLength - 1) {
        s = srcLength - 1;
        f = 0;
      }
    }
    index[d] = s;
    w0[d] = roundHalfEven(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = roundHalfEven(f * COEF_SCALE);
  }
  return { index, w0, w1 };
}

/**
 * Resizes to `dstWidth` x `dstHeight` RGB (alpha, if any, is dropped), writing into
 * `out` at (`offsetX`, `offsetY`) of a `outWidth`-pixel-wide RGB buffer, so a
 * letterbox can be filled without an intermediate copy.
 */
export function resizeLinear(
  src: Pixels,
  dstWidth: number,
  dstHeight: number,
  out: Uint8Array,
  outWidth: number,
  offsetX = 0,
  offsetY = 0,
): void {
  const { width: sw, height: sh } = src;
  if (src.rows && !usesBilinear(sw, sh, dstWidth, dstHeight)) {
    throw new RangeError('Pixels with only some rows read can only be resized by the bilinear path.');
  }
  if (sw === dstWidth && sh === dstHeight) {
    copyRgb(src, out, outWidth, offsetX, offsetY);
  } else if (sw === dstWidth * 2 && sh === dstHeight * 2) {
    // OpenCV turns INTER_LINEAR into its fast INTER_AREA path for an exact 2x shrink.
    halve(src, out, outWidth, offsetX, offsetY);
  } else {
    bilinear(src, dstWidth, dstHeight, out, outWidth, offsetX, offsetY);
  }
}

function usesBilinear(sw: number, sh: number, dw: number, dh: number): boolean {
  return !(sw === dw && sh === dh) && !(sw === dw * 2 && sh === dh * 2);
}

/**
 * The source rows `resizeLinear` reads to make `dstHeight` rows, in ascending
 * order, or null when it reads every row (a copy, or the exact 2x shrink). A
 * large shrink reads two rows per output row: decoding can then read just those.
 */
export function sourceRows(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Int32Array | null {
  if (!usesBilinear(srcWidth, srcHeight, dstWidth, dstHeight)) return null;
  const { index } = linearTaps(srcHeight, dstHeight, false);
  const last = srcHeight - 1;
  const needed = new Uint8Array(srcHeight);
  for (let d = 0; d < dstHeight; d++) {
    const sy = index[d]!;
    needed[Math.min(Math.max(sy, 0), last)] = 1;
    needed[Math.min(Math.max(sy + 1, 0), last)] = 1;
  }
  const rows: number[] = [];
  needed.forEach((flag, y) => flag && rows.push(y));
  return Int32Array.from(rows);
}

function copyRgb(src: Pixels, out: Uint8Array, outWidth: number, ox: number, oy: number): void {
  const { data, width, height, channels } = src;
  for (let y = 0; y < height; y++) {
    let s = y * width * channels;
    let d = ((y + oy) * outWidth + ox) * 3;
    for (let x = 0; x < width; x++, s += channels, d += 3) {
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
}

function halve(src: Pixels, out: Uint8Array, outWidth: number, ox: number, oy: number): void {
  const { data, width, channels } = src;
  const dw = width / 2;
  const dh = src.height / 2;
  const rowStride = width * channels;
  const step = 2 * channels;
  for (let y = 0; y < dh; y++) {
    let top = 2 * y * rowStride;
    let bottom = top + rowStride;
    let d = ((y + oy) * outWidth + ox) * 3;
    for (let x = 0; x < dw; x++, d += 3, top += step, bottom += step) {
      const tr = top + channels;
      const br = bottom + channels;
      out[d] = (data[top]! + data[tr]! + data[bottom]! + data[br]! + 2) >> 2;
      out[d + 1] = (data[top + 1]! + data[tr + 1]! + data[bottom + 1]! + data[br + 1]! + 2) >> 2;
      out[d + 2] = (data[top + 2]! + data[tr + 2]! + data[bottom + 2]! + data[br + 2]! + 2) >> 2;
    }
  }
}

function bilinear(
  src: Pixels,
  dw: number,
  dh: number,
  out: Uint8Array,
  outWidth: number,
  ox: number,
  oy: number,
): void {
  const { data, width: sw, height: sh, channels, rows: rowIndex } = src;
  const xs = linearTaps(sw, dw, true);
  const ys = linearTaps(sh, dh, false);

  // Horizontally resized source rows, 3 sums per pixel; OpenCV computes each
  // needed source row once and keeps the last two, and so do we.
  const rows = [new Int32Array(dw * 3), new Int32Array(dw * 3)];
  const rowOf = [-1, -1];
  const horizontal = (sy: number): Int32Array => {
    const slot = rowOf[0] === sy ? 0 : rowOf[1] === sy ? 1 : -1;
    if (slot >= 0) return rows[slot]!;
    // Replace the row that is not the other needed one: the older one.
    const victim = rowOf[0] === -1 || rowOf[0]! < rowOf[1]! ? 0 : 1;
    const row = rows[victim]!;
    rowOf[victim] = sy;
    const stored = rowIndex ? rowIndex[sy]! : sy;
    if (stored < 0) throw new RangeError(`Source row ${sy} was not read.`);
    const base = stored * sw * channels;
    for (let dx = 0; dx < dw; dx++) {
      const s = base + xs.index[dx]! * channels;
      const a0 = xs.w0[dx]!;
      const a1 = xs.w1[dx]!;
      const d = dx * 3;
      if (a1 === 0) {
        // Also covers the right edge, where s + channels would leave the row.
        row[d] = data[s]! * a0;
        row[d + 1] = data[s + 1]! * a0;
        row[d + 2] = data[s + 2]! * a0;
      } else {
        row[d] = data[s]! * a0 + data[s + channels]! * a1;
        row[d + 1] = data[s + 1]! * a0 + data[s + channels + 1]! * a1;
        row[d + 2] = data[s + 2]! * a0 + data[s + channels + 2]! * a1;
      }
    }
    return row;
  };

  const last = sh - 1;
  for (let dy = 0; dy < dh; dy++) {
    const sy = ys.index[dy]!;
    const r0 = horizontal(Math.min(Math.max(sy, 0), last));
    const r1 = horizontal(Math.min(Math.max(sy + 1, 0), last));
    const b0 = ys.w0[dy]!;
    const b1 = ys.w1[dy]!;
    let d = ((dy + oy) * outWidth + ox) * 3;
    for (let i = 0; i < dw * 3; i++, d++) {
      // VResizeLinear<uchar>: shift the 32-bit sums right by 4 so the product fits,
      // keep the high half of each product, then round away the last 2 bits.
      out[d] = (((b0 * (r0[i]! >> 4)) >> 16) + ((b1 * (r1[i]! >> 4)) >> 16) + 2) >> 2;
    }
  }
}
