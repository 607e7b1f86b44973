/**
 * Pixels to a whole-image classifier's input, as nsfwjs makes it with TF.js: RGB
 * values divided by 255 in float32, then stretched to S x S by TF.js's bilinear
 * resize with aligned corners (no half-pixel centres), skipped when the image is
 * already S x S. The arithmetic is the TF.js CPU kernel's: source positions and
 * blends in double precision on float32 inputs, each result stored as float32.
 * Then each channel is normalised ((v - mean) / std), which for nsfwjs's models
 * (mean 0, std 1) leaves every value as it is.
 */
import type { Pixels } from '../image/pixels.js';
import type { ClassifierPreprocessing } from './spec.js';

interface Taps {
  floor: Int32Array;
  ceil: Int32Array;
  frac: Float64Array;
}

/** Where each of `outLength` outputs reads along an axis of `inLength`, as TF.js's resizeBilinear. */
function taps(inLength: number, outLength: number): Taps {
  const ratio = outLength > 1 ? (inLength - 1) / (outLength - 1) : inLength / outLength;
  const floor = new Int32Array(outLength);
  const ceil = new Int32Array(outLength);
  const frac = new Float64Array(outLength);
  for (let i = 0; i < outLength; i++) {
    const source = ratio * i;
    floor[i] = Math.max(0, Math.floor(source));
    frac[i] = source - floor[i]!;
    ceil[i] = Math.min(inLength - 1, Math.ceil(source));
  }
  return { floor, ceil, frac };
}

/** The source rows the stretch to `size` reads, ascending; null when it reads them all (no resize). */
export function classifierRows(width: number, height: number, size: number): Int32Array | null {
  if (width === size && height === size) return null;
  const { floor, ceil } = taps(height, size);
  return Int32Array.from(new Set([...floor, ...ceil])).sort();
}

/** `input` as a float32 NCHW [1, 3, S, S] tensor for a classifier of input side `size`. */
export function toClassifierTensor(pixels: Pixels, size: number, preprocessing: ClassifierPreprocessing, out: Float32Array = new Float32Array(3 * size * size)): Float32Array {
  const { data, width, height, channels, rows } = pixels;
  const scaled = Float32Array.from({ length: 256 }, (_, v) => v / preprocessing.divisor);
  const plane = size * size;
  const rowStart = (y: number) => (rows ? rows[y]! : y) * width * channels;

  if (width === size && height === size) {
    for (let y = 0; y < size; y++) {
      const start = rowStart(y);
      for (let x = 0; x < size; x++) {
        const i = start + x * channels;
        const o = y * size + x;
        out[o] = scaled[data[i]!]!;
        out[plane + o] = scaled[data[i + 1]!]!;
        out[2 * plane + o] = scaled[data[i + 2]!]!;
      }
    }
  } else {
    const cols = taps(width, size);
    const lines = taps(height, size);
    for (let r = 0; r < size; r++) {
      const top = rowStart(lines.floor[r]!);
      const bottom = rowStart(lines.ceil[r]!);
      const rowFrac = lines.frac[r]!;
      for (let c = 0; c < size; c++) {
        const left = cols.floor[c]! * channels;
        const right = cols.ceil[c]! * channels;
        const colFrac = cols.frac[c]!;
        const o = r * size + c;
        for (let k = 0; k < 3; k++) {
          const topLeft = scaled[data[top + left + k]!]!;
          const topRight = scaled[data[top + right + k]!]!;
          const bottomLeft = scaled[data[bottom + left + k]!]!;
          const bottomRight = scaled[data[bottom + right + k]!]!;
          const upper = topLeft + (topRight - topLeft) * colFrac;
          const lower = bottomLeft + (bottomRight - bottomLeft) * colFrac;
          out[k * plane + o] = upper + (lower - upper) * rowFrac;
        }
      }
    }
  }

  const { mean, std } = preprocessing;
  if (mean.some((m) => m !== 0) || std.some((s) => s !== 1)) {
    for (let k = 0; k < 3; k++) {
      const view = out.subarray(k * plane, (k + 1) * plane);
      for (let i = 0; i < plane; i++) view[i] = (view[i]! - mean[k]!) / std[k]!;
    }
  }
  return out;
}
