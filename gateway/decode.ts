/**
 * Image bytes to the RGBA pixels the browser library would see, so the shared
 * preprocessing gets the same input on both sides.
 *
 * - JPEG, PNG, WebP, GIF (first frame), AVIF: sharp (libvips). Its JPEG decoder
 *   (mozjpeg, libjpeg-turbo's decoder), libpng and libwebp give OpenCV's imread
 *   pixels, as Chromium does: measured equal on the fixture photos. The embedded
 *   ICC profile is ignored, as the browser library asks Chromium to
 *   (`colorSpaceConversion: 'none'`); EXIF orientation is applied, as there.
 * - BMP: bmp.ts (libvips has no BMP loader).
 * - Alpha: the browser draws the image on a canvas (premultiplied 8-bit) and reads
 *   it back, so a fully transparent pixel comes back black and a partly
 *   transparent one comes back through a premultiply/unpremultiply round trip.
 *   `browserAlpha` repeats Chromium's arithmetic for that (Skia: premultiply
 *   rounded to nearest, unpremultiply in float32 rounded half to even); measured
 *   equal on every (colour, alpha) pair in Debian's Chromium 156 on x86-64.
 *
 * Nothing here shrinks an image before the letterbox does: NudeNet's resize
 * (OpenCV's bilinear) reads exact source pixels, and libvips' shrink-on-load
 * (JPEG DCT scaling) would give it other ones, so the answer could change. A BMP
 * is instead read in only the rows the letterbox uses, which changes nothing.
 * `prepareImage` is what the decode workers run (pixel-job.ts, pixel-worker.ts).
 */
import sharp from 'sharp';
import { ErrorCodes, VeilError } from '../src/errors.js';
import type { SupportedMime } from '../src/image/sniff.js';
import { type Letterbox, rowsToRead, toInputTensor } from '../src/nudenet/letterbox.js';
import { DEFAULT_LIMITS } from '../src/options.js';
import { decodeBmp } from './bmp.js';
import type { RgbaImage } from './rgba-image.js';

export type { RgbaImage };

/** Decoding refuses images over the library's pixel limit (sharp's check runs on the header, before decoding). */
export const MAX_PIXELS = DEFAULT_LIMITS.maxPixels;

const f32 = Math.fround;
const INV_255 = f32(1 / 255);

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** ROUND_TRIP[a * 256 + c]: what a canvas gives back for colour c stored at alpha a. */
const ROUND_TRIP = (() => {
  const table = new Uint8Array(256 * 256);
  for (let a = 1; a < 255; a++) {
    const scale = f32(1 / f32(a * INV_255));
    for (let c = 0; c < 256; c++) {
      const premultiplied = Math.round((c * a) / 255);
      table[a * 256 + c] = Math.min(255, roundHalfEven(f32(f32(f32(premultiplied * INV_255) * scale) * 255)));
    }
  }
  for (let c = 0; c < 256; c++) table[255 * 256 + c] = c;
  return table; // a = 0 stays 0: black
})();

/** Applies the canvas round trip to RGBA pixels in place (alpha itself is kept). */
export function browserAlpha(data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3]!;
    if (a === 255) continue;
    const row = a * 256;
    data[i] = ROUND_TRIP[row + data[i]!]!;
    data[i + 1] = ROUND_TRIP[row + data[i + 1]!]!;
    data[i + 2] = ROUND_TRIP[row + data[i + 2]!]!;
  }
}

async function decodeWithSharp(bytes: Uint8Array, mime: SupportedMime, maxPixels: number): Promise<RgbaImage> {
  try {
    const { data, info } = await sharp(bytes, {
      autoOrient: true,
      ignoreIcc: true,
      // Chromium refuses truncated files too; lesser warnings it shrugs off.
      failOn: 'truncated',
      limitInputPixels: maxPixels,
      animated: false,
    })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`libvips gave ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    const detail = (error as Error).message;
    if (/pixel limit/i.test(detail)) {
      throw new VeilError(ErrorCodes.TOO_LARGE, `The image has more pixels than this gateway decodes (${maxPixels}).`, { cause: error });
    }
    throw new VeilError(ErrorCodes.DECODE_FAILED, `This ${mime} image could not be decoded: the file is truncated or corrupt.`, {
      cause: error,
    });
  }
}

/**
 * Decodes a supported image (mime already sniffed) to browser-equal RGBA pixels.
 * `rowsFor` may name the only rows wanted; a BMP is then read in just those.
 */
export async function decodeImage(
  bytes: Uint8Array,
  mime: SupportedMime,
  maxPixels = MAX_PIXELS,
  rowsFor?: (width: number, height: number) => Int32Array | null,
): Promise<RgbaImage> {
  const image = mime === 'image/bmp' ? decodeBmp(bytes, maxPixels, rowsFor) : await decodeWithSharp(bytes, mime, maxPixels);
  browserAlpha(image.data);
  return image;
}

export interface PreparedImage {
  /** Size after EXIF orientation: the result's `input.width` and `height`. */
  width: number;
  height: number;
  /** NudeNet's input for a model of side `inputSize`, and how to map its boxes back; null without one. */
  tensor: Float32Array | null;
  box: Letterbox | null;
  /** The source rows read when only some were (ascending), else null. */
  rows: Int32Array | null;
}

/**
 * Decodes an image and, given the model's input side, builds its tensor: all the
 * pixel work a request needs, in one call a worker thread can run.
 */
export async function prepareImage(bytes: Uint8Array, mime: SupportedMime, inputSize: number | null, maxPixels = MAX_PIXELS): Promise<PreparedImage> {
  let rows: Int32Array | null = null;
  const rowsFor = inputSize ? (width: number, height: number) => (rows = rowsToRead(width, height, inputSize)) : undefined;
  const image = await decodeImage(bytes, mime, maxPixels, rowsFor);
  const { width, height } = image;
  if (!inputSize) return { width, height, tensor: null, box: null, rows };
  const pixels = { data: image.data, width, height, channels: 4 as const, ...(image.rows && { rows: image.rows }) };
  const { tensor, box } = toInputTensor(pixels, inputSize, new Float32Array(3 * inputSize * inputSize));
  return { width, height, tensor, box, rows };
}
