/**
 * Still images through WebCodecs' ImageDecoder, where it gives createImageBitmap's
 * bytes sooner (it decodes on the browser's own threads, and skips the bitmap):
 *
 * - a 4:2:0 JPEG or lossy WebP comes back as its decoder's Y, Cb and Cr planes,
 *   converted here as libjpeg-turbo and libwebp convert them (yuv-planes.ts), in
 *   the rows the resize reads;
 * - an opaque image decoded to RGB (PNG, lossless WebP, BMP, other JPEGs) is
 *   copied out in RGBA, the canvas's bytes when there is no alpha. A PNG or BMP
 *   shrunk enough that the resize reads only some rows is left to
 *   createImageBitmap, which reads just those rows (faster there, measured).
 *
 * A frame over `limits.maxPixels` is refused (4004) before its pixels are read
 * out, whatever the header said: the header check is only as good as its parser.
 *
 * Anything else returns null and the caller decodes through createImageBitmap,
 * the reference: alpha, an EXIF orientation, a colour space other than the
 * format's own, a truncated file, images under 3 pixels on a side, an RGB frame
 * over MAX_COPY_PIXELS read in part, or no ImageDecoder.
 */
import { VeilError } from '../errors.js';
import { checkPixels, type ImageLimits } from '../image/input-info.js';
import type { Pixels } from '../image/pixels.js';
import { isSrgb, videoFrameWorks } from './read-pixels.js';
import { jpegToRgb, webpToRgb, type I420 } from './yuv-planes.js';

/** The formats taken here; GIF goes through the animation path, AVIF through createImageBitmap. */
export type DirectMime = 'image/jpeg' | 'image/webp' | 'image/png' | 'image/bmp';
export const isDirectMime = (mime: string): mime is DirectMime =>
  mime === 'image/jpeg' || mime === 'image/webp' || mime === 'image/png' || mime === 'image/bmp';

/** I420 planes by format, with the colour space each decoder's arithmetic assumes: BT.601, full range for JPEG (JFIF), limited for WebP. */
const PLANES: Partial<Record<DirectMime, { toRgb: (planes: I420, rows: Int32Array | null) => Pixels; fullRange: boolean }>> = {
  'image/jpeg': { toRgb: jpegToRgb, fullRange: true },
  'image/webp': { toRgb: webpToRgb, fullRange: false },
};

/**
 * Largest RGB frame copied whole when the resize reads only some of its rows
 * (33 MB in RGBA); createImageBitmap reads just those rows of larger ones.
 */
const MAX_COPY_PIXELS = 3840 * 2160;

/** Formats ImageDecoder always gives as RGB: with a partial read planned, createImageBitmap's row reads win (measured). */
const ALWAYS_RGB = new Set<DirectMime>(['image/png', 'image/bmp']);

const isBt601 = (space: VideoColorSpace) => space.matrix === 'smpte170m' || space.matrix === 'bt470bg';

type Frame = VideoFrame & { rotation?: number; flip?: boolean };

async function pixelsOf(frame: Frame, mime: DirectMime, rows: Int32Array | null): Promise<Pixels | null> {
  const width = frame.codedWidth;
  const height = frame.codedHeight;
  const planes = PLANES[mime];
  if (frame.format === 'I420' && planes) {
    if (!isBt601(frame.colorSpace) || frame.colorSpace.fullRange !== planes.fullRange) return null;
    const data = new Uint8Array(frame.allocationSize());
    const [y, u, v] = await frame.copyTo(data);
    return planes.toRgb({ data, width, height, y: y!, u: u!, v: v! }, rows);
  }
  if (frame.format === 'RGBX' || frame.format === 'BGRX') {
    // A whole copy where the resize reads some rows: worth it only up to a size.
    if (!isSrgb(frame.colorSpace) || (rows && width * height > MAX_COPY_PIXELS) || !(await videoFrameWorks())) return null;
    const data = new Uint8ClampedArray(width * height * 4);
    await frame.copyTo(data, { format: 'RGBA' });
    return { data, width, height, channels: 4 };
  }
  return null;
}

/**
 * 4004 for a decoded frame over `limits.maxPixels`, by its displayed size (what a
 * canvas draws) and its coded size (what the decoder allocated).
 */
export function checkFrame(frame: VideoFrame, limits: Pick<ImageLimits, 'maxPixels'>): void {
  checkPixels(frame.displayWidth, frame.displayHeight, limits);
  checkPixels(frame.codedWidth, frame.codedHeight, limits);
}

/**
 * Decodes a still image with ImageDecoder, or null where the caller should use
 * createImageBitmap instead (see the file's comment); 4004 for a frame over the
 * limit. `header` is the size the file's header gave; `plan` gives the rows the
 * resize reads for a size.
 */
export async function decodeStill(
  bytes: Uint8Array,
  mime: DirectMime,
  header: { width: number; height: number },
  limits: Pick<ImageLimits, 'maxPixels'>,
  plan?: (width: number, height: number) => Int32Array | null,
): Promise<Pixels | null> {
  if (typeof ImageDecoder !== 'function' || typeof VideoFrame !== 'function' || !('rotation' in VideoFrame.prototype)) return null;
  if (ALWAYS_RGB.has(mime) && plan?.(header.width, header.height)) return null;
  let decoder: ImageDecoder;
  try {
    decoder = new ImageDecoder({ data: bytes, type: mime, colorSpaceConversion: 'none', preferAnimation: false });
  } catch {
    return null;
  }
  try {
    const { image, complete } = await decoder.decode();
    try {
      checkFrame(image, limits);
      if (!complete) return null; // a truncated file: createImageBitmap decides what it is
      const frame = image as Frame;
      const width = frame.codedWidth;
      const height = frame.codedHeight;
      const upright = !frame.rotation && !frame.flip;
      const whole =
        frame.visibleRect?.x === 0 && frame.visibleRect.y === 0 && frame.displayWidth === width && frame.displayHeight === height;
      if (!upright || !whole || width < 3 || height < 3) return null;
      return await pixelsOf(frame, mime, plan?.(width, height) ?? null);
    } finally {
      image.close();
    }
  } catch (error) {
    if (error instanceof VeilError) throw error; // over the limit: no second decode
    return null; // any doubt: createImageBitmap decodes it (and reports what is wrong)
  } finally {
    decoder.close();
  }
}
