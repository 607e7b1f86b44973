/**
 * JPEG through WebCodecs' ImageDecoder, which for a 4:2:0 JPEG hands back the
 * decoder's own Y, Cb and Cr planes (format I420). Turned into RGB here with
 * libjpeg-turbo's arithmetic, the "fancy" upsampling of jdsample.c
 * (h2v2_fancy_upsample) and the fixed-point YCbCr -> RGB of jdcolor.c
 * (ycc_rgb_convert), they are the bytes createImageBitmap gives and OpenCV's
 * imread gives, sooner: the decode runs on the browser's own threads, and only
 * the rows the resize reads are converted (about 25 against 33 ms to decode and
 * preprocess a 1920x1080 photo; README, Performance).
 *
 * Anything else returns null and the caller decodes through createImageBitmap:
 * another chroma layout, an EXIF orientation, a colour space other than JPEG's
 * full-range BT.601, images under 3 pixels on a side, or no ImageDecoder.
 */
import type { Pixels } from './resize.js';

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
 * RGB pixels from I420 planes, as libjpeg-turbo makes them; with `rows`, only
 * those source rows (ascending), as Pixels.rows describes.
 */
export function i420ToRgb(planes: I420, rows: Int32Array | null = null): Pixels {
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
  if (!rows) return { data: rgb, width, height, channels: 3 };
  const index = new Int32Array(height).fill(-1);
  rows.forEach((row, k) => (index[row] = k));
  return { data: rgb, width, height, channels: 3, rows: index };
}

/** JPEG's own colour space: the BT.601 matrix (which WebCodecs names either way), full range (JFIF). */
const isJfif = (space: VideoColorSpace) => (space.matrix === 'smpte170m' || space.matrix === 'bt470bg') && space.fullRange === true;

/**
 * Decodes a still JPEG with ImageDecoder and converts it here, or null where the
 * caller should use createImageBitmap instead (see the file's comment). `plan`
 * picks the rows to convert from the decoded size.
 */
export async function decodeJpeg(bytes: Uint8Array, plan?: (width: number, height: number) => Int32Array | null): Promise<Pixels | null> {
  if (typeof ImageDecoder !== 'function' || typeof VideoFrame !== 'function' || !('rotation' in VideoFrame.prototype)) return null;
  let decoder: ImageDecoder;
  try {
    decoder = new ImageDecoder({ data: bytes, type: 'image/jpeg', colorSpaceConversion: 'none', preferAnimation: false });
  } catch {
    return null;
  }
  try {
    const { image, complete } = await decoder.decode();
    try {
      if (!complete) return null; // a truncated file: createImageBitmap decides what it is
      const frame = image as VideoFrame & { rotation?: number; flip?: boolean };
      const width = frame.codedWidth;
      const height = frame.codedHeight;
      const upright = !frame.rotation && !frame.flip;
      const whole =
        frame.visibleRect?.x === 0 && frame.visibleRect.y === 0 && frame.displayWidth === width && frame.displayHeight === height;
      if (frame.format !== 'I420' || !upright || !whole || !isJfif(frame.colorSpace) || width < 3 || height < 3) return null;
      const data = new Uint8Array(frame.allocationSize());
      const [y, u, v] = await frame.copyTo(data);
      return i420ToRgb({ data, width, height, y: y!, u: u!, v: v! }, plan?.(width, height) ?? null);
    } finally {
      image.close();
    }
  } catch {
    return null; // any doubt: createImageBitmap, the reference, decodes it (and reports what is wrong)
  } finally {
    decoder.close();
  }
}
