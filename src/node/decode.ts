/**
 * Image bytes to the RGBA pixels the browser library would see, so the shared
 * preprocessing gets the same input in Node as in Chromium.
 *
 * - JPEG, PNG, WebP, GIF, AVIF: sharp (libvips). Its JPEG decoder (mozjpeg,
 *   libjpeg-turbo's decoder), libpng and libwebp give OpenCV's imread pixels, as
 *   Chromium does: measured equal on the fixture photos. The embedded ICC profile
 *   is ignored, as the browser library asks Chromium to (`colorSpaceConversion:
 *   'none'`); EXIF orientation is applied, as there.
 * - BMP: bmp.ts (libvips has no BMP loader).
 * - Alpha: the browser draws the image on a canvas (premultiplied 8-bit) and reads
 *   it back, so a fully transparent pixel comes back black and a partly
 *   transparent one comes back through a premultiply/unpremultiply round trip.
 *   `browserAlpha` repeats Chromium's arithmetic for that (Skia: premultiply
 *   rounded to nearest, unpremultiply in float32 rounded half to even); measured
 *   equal on every (colour, alpha) pair in Debian's Chromium 156 on x86-64.
 * - Animated GIF and WebP: one page at a time, each composited by libvips as
 *   WebCodecs' ImageDecoder composites it for the browser's worker.
 *
 * Nothing here shrinks an image within the memory ceiling (`limits.maxDecodePixels`)
 * before the models' resizes do: NudeNet's (OpenCV's bilinear) and the
 * classifier's (TF.js's bilinear) read exact source pixels. A JPEG over it is
 * decoded at 1/2, 1/4 or 1/8 of its size as the browser decodes it
 * (image/input-info.ts `decodeDivisor`): libvips streams it through a resize to
 * that size (lanczos3, libvips' shrink-on-load where sharp takes it), so only the
 * smaller image is ever held whole. libjpeg's own scaled IDCT, which the browser
 * uses, is not reachable through sharp at exactly 1/2 (sharp takes it only for a
 * shrink of 3 or more), so the pixels are near the browser's, not equal
 * (docs/performance.md has the difference). A BMP is instead read in only the
 * rows the two resizes use, which changes nothing.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { scaledSize, type Divisor } from '../image/input-info.js';
import type { SupportedMime } from '../image/sniff.js';
import { DEFAULT_LIMITS } from '../options.js';
import { decodeBmp } from './bmp.js';
import { loadSharp } from './peers.js';
import type { RgbaImage } from './rgba-image.js';

export type { RgbaImage };

/** The library's default pixel limit; callers pass their own `limits.maxPixels`. */
export const MAX_PIXELS = DEFAULT_LIMITS.maxPixels;
/** The library's default memory ceiling; callers pass their own `limits.maxDecodePixels`. */
export const MAX_DECODE_PIXELS = DEFAULT_LIMITS.maxDecodePixels;

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

/**
 * One image, or one `page` of an animation, as RGBA through sharp; `scaled`, the
 * smaller size a JPEG over the memory ceiling is decoded at (as displayed).
 */
async function decodeWithSharp(bytes: Uint8Array, mime: SupportedMime, maxPixels: number, page?: number, scaled?: { width: number; height: number }): Promise<RgbaImage> {
  const sharp = await loadSharp();
  try {
    let image = sharp(bytes, {
      autoOrient: true,
      ignoreIcc: true,
      // Chromium refuses truncated files too; lesser warnings it shrugs off.
      failOn: 'truncated',
      limitInputPixels: maxPixels,
      animated: false,
      ...(page !== undefined && { page, pages: 1 }),
    });
    if (scaled) image = image.resize(scaled.width, scaled.height, { fit: 'fill', kernel: 'lanczos3' });
    const { data, info } = await image
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`libvips gave ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    const detail = (error as Error).message;
    // The header was checked against the limit before; this is a header that understated the size.
    if (/pixel limit/i.test(detail)) {
      throw new VeilError(ErrorCodes.TOO_LARGE, `The image has more pixels than the ${maxPixels} decoded here.`, { cause: error });
    }
    throw new VeilError(ErrorCodes.DECODE_FAILED, `This ${mime} image could not be decoded: the file is truncated or corrupt.`, {
      cause: error,
    });
  }
}

/**
 * Decodes a supported image (mime already sniffed) to browser-equal RGBA pixels;
 * for an animation, its first frame. `rowsFor` may name the only rows wanted; a
 * BMP is then read in just those. `smaller`: a JPEG over the memory ceiling,
 * decoded at 1/divisor of its `original` size (as displayed); `maxPixels` then
 * bounds what libvips reads, the header's size.
 */
export async function decodeImage(
  bytes: Uint8Array,
  mime: SupportedMime,
  maxPixels = MAX_PIXELS,
  rowsFor?: (width: number, height: number) => Int32Array | null,
  smaller?: { original: { width: number; height: number }; divisor: Divisor },
): Promise<RgbaImage> {
  if (smaller && smaller.divisor > 1) {
    // Only a JPEG comes here (decodeDivisor refuses other formats over the ceiling).
    const { original, divisor } = smaller;
    const image = await decodeWithSharp(bytes, mime, maxPixels, undefined, scaledSize(original.width, original.height, divisor));
    return { ...image, original };
  }
  const image = mime === 'image/bmp' ? decodeBmp(bytes, maxPixels, rowsFor) : await decodeWithSharp(bytes, mime, maxPixels);
  browserAlpha(image.data);
  return image;
}

/**
 * Frames in a GIF or WebP: more than one only for an animation, as the browser's
 * worker counts them (ImageDecoder's frameCount); 1 for every other image. A file
 * libvips cannot even read the header of counts as one frame, so that decoding it
 * reports what is wrong.
 */
export async function frameCount(bytes: Uint8Array, mime: SupportedMime): Promise<number> {
  if (mime !== 'image/gif' && mime !== 'image/webp') return 1;
  const sharp = await loadSharp();
  try {
    const { pages } = await sharp(bytes, { failOn: 'none' }).metadata();
    return pages && pages > 1 ? pages : 1;
  } catch {
    return 1;
  }
}

/** Frame `index` of an animated GIF or WebP, composited, as browser-equal RGBA. */
export async function decodeFrame(bytes: Uint8Array, mime: SupportedMime, index: number, maxPixels = MAX_PIXELS): Promise<RgbaImage> {
  const image = await decodeWithSharp(bytes, mime, maxPixels, index);
  browserAlpha(image.data);
  return image;
}
