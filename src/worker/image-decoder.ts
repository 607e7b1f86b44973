/**
 * Still images through WebCodecs' ImageDecoder, where it gives createImageBitmap's
 * bytes sooner (it decodes on the browser's own threads, and skips the bitmap):
 *
 * - a JPEG (4:2:0, 4:2:2 or 4:4:4; baseline, progressive or with restart
 *   markers alike) or a lossy WebP comes back as its decoder's Y, Cb and Cr
 *   planes, converted here as libjpeg-turbo and libwebp convert them
 *   (yuv-planes.ts), in the rows the resize reads. A JPEG with an EXIF
 *   orientation is converted straight into its displayed orientation, those
 *   rows only, never turned whole;
 * - an opaque image decoded to RGB (PNG, lossless WebP, BMP, greyscale or 4:4:0 JPEG) is
 *   copied out in RGBA, the canvas's bytes when there is no alpha (turned into
 *   an EXIF orientation pixel by pixel), whole even when the resize reads only some rows (faster than createImageBitmap's row
 *   reads up to MAX_COPY_PIXELS, measured: a 1920x1080 PNG 62 -> 48 ms).
 *
 * With `decode: 'fast'`, a JPEG over twice the wanted long side is decoded
 * smaller, by libjpeg-turbo's scaled IDCT (ImageDecoder's desiredWidth and
 * desiredHeight; Chromium picks the largest M/8 scale whose area fits them), then
 * converted whole; the pixels say the image's own size (Pixels.original). Not the
 * canvas's bytes, by design: see DetectorOptions.decode.
 *
 * A frame over `limits.maxPixels` is refused (4004) before its pixels are read
 * out, whatever the header said: the header check is only as good as its parser.
 *
 * Anything else returns null and the caller decodes through createImageBitmap,
 * the reference: alpha, an EXIF orientation on a WebP's planes, a
 * colour space other than the format's own (4:4:0 and greyscale JPEGs come as
 * RGB, copied above), CMYK, a truncated file, images under 3 pixels on a side (5 wide for subsampled
 * chroma), an RGB frame over MAX_COPY_PIXELS read in part, or no ImageDecoder.
 */
import { VeilError } from '../errors.js';
import { checkPixels, type ImageLimits } from '../image/input-info.js';
import type { Pixels } from '../image/pixels.js';
import { isSrgb, videoFrameWorks } from './read-pixels.js';
import { turnRgba, type Orientation } from './orientation.js';
import { jpegToRgb, MIN_WIDTH, webpToRgb, type ChromaLayout, type Planes } from './yuv-planes.js';

/** The formats taken here; GIF goes through the animation path, AVIF through createImageBitmap. */
export type DirectMime = 'image/jpeg' | 'image/webp' | 'image/png' | 'image/bmp';
export const isDirectMime = (mime: string): mime is DirectMime =>
  mime === 'image/jpeg' || mime === 'image/webp' || mime === 'image/png' || mime === 'image/bmp';

/**
 * Planes by format: the layouts taken, whether an EXIF orientation is, and the
 * colour space each decoder's arithmetic assumes: BT.601, full range for JPEG
 * (JFIF), limited for WebP.
 */
interface PlaneFormat {
  layouts: readonly ChromaLayout[];
  oriented: boolean;
  fullRange: boolean;
  toRgb: (planes: Planes, rows: Int32Array | null, orientation: Orientation) => Pixels;
}
const PLANES: Partial<Record<DirectMime, PlaneFormat>> = {
  'image/jpeg': { layouts: ['I420', 'I422', 'I444'], oriented: true, fullRange: true, toRgb: jpegToRgb },
  'image/webp': { layouts: ['I420'], oriented: false, fullRange: false, toRgb: (planes, rows) => webpToRgb(planes, rows) },
};

/** How the pixels were read, reported in a result's `timings.decoder`. */
type ExactPath = `${`planes-${ChromaLayout}` | 'frame-rgb'}${'' | '-oriented'}`;
export type DecoderPath = ExactPath | `scaled-${ExactPath}`;

/**
 * ImageDecoder's desired size for `decode: 'fast'`: the smallest M/8 of the image
 * whose long side is still `side`, or null when that is over half (a full decode
 * then costs little more) or the format has no scaled decoding.
 */
function scaledSize(mime: DirectMime, header: { width: number; height: number }, side: number | undefined) {
  if (mime !== 'image/jpeg' || !side) return null;
  const eighths = Math.ceil((8 * side) / Math.max(header.width, header.height));
  if (eighths > 4) return null;
  return { desiredWidth: Math.ceil((header.width * eighths) / 8), desiredHeight: Math.ceil((header.height * eighths) / 8) };
}

/**
 * Largest RGB frame copied whole when the resize reads only some of its rows
 * (33 MB in RGBA); createImageBitmap reads just those rows of larger ones.
 */
const MAX_COPY_PIXELS = 3840 * 2160;

/** Formats ImageDecoder always gives as RGB: one too large to copy whole goes to createImageBitmap without a first decode here. */
const ALWAYS_RGB = new Set<DirectMime>(['image/png', 'image/bmp']);

const isBt601 = (space: VideoColorSpace) => space.matrix === 'smpte170m' || space.matrix === 'bt470bg';

type Frame = VideoFrame & { rotation?: number; flip?: boolean };

const ROTATIONS = [0, 90, 180, 270] as const;
const orientationOf = (frame: Frame): Orientation | null => {
  const rotation = ROTATIONS.find((r) => r === (frame.rotation ?? 0));
  return rotation === undefined ? null : { rotation, flip: frame.flip === true };
};

export interface Decoded {
  pixels: Pixels;
  decoder: DecoderPath;
}

async function pixelsOf(frame: Frame, mime: DirectMime, plan?: (width: number, height: number) => Int32Array | null): Promise<{ pixels: Pixels; decoder: ExactPath } | null> {
  const width = frame.codedWidth;
  const height = frame.codedHeight;
  const orientation = orientationOf(frame);
  if (!orientation) return null;
  const upright = !orientation.rotation && !orientation.flip;
  // The rows the resize reads, of the image as displayed.
  const rows = plan?.(frame.displayWidth, frame.displayHeight) ?? null;
  const planes = PLANES[mime];
  const layout = planes?.layouts.find((l) => l === frame.format);
  if (planes && layout) {
    if (!isBt601(frame.colorSpace) || frame.colorSpace.fullRange !== planes.fullRange) return null;
    if (width < MIN_WIDTH[layout] || (!upright && !planes.oriented)) return null;
    const data = new Uint8Array(frame.allocationSize());
    const [y, u, v] = await frame.copyTo(data);
    const pixels = planes.toRgb({ layout, data, width, height, y: y!, u: u!, v: v! }, rows, orientation);
    return { pixels, decoder: upright ? `planes-${layout}` : `planes-${layout}-oriented` };
  }
  if (frame.format === 'RGBX' || frame.format === 'BGRX') {
    // A whole copy where the resize reads some rows: worth it only up to a size.
    if (!isSrgb(frame.colorSpace) || (rows && width * height > MAX_COPY_PIXELS) || !(await videoFrameWorks())) return null;
    const data = new Uint8ClampedArray(width * height * 4);
    await frame.copyTo(data, { format: 'RGBA' });
    if (upright) return { pixels: { data, width, height, channels: 4 }, decoder: 'frame-rgb' };
    return { pixels: turnRgba(data, width, height, orientation), decoder: 'frame-rgb-oriented' };
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
 * limit. `header` is the size the file's header gave (as displayed); `plan` gives
 * the rows the resize reads for a size; `fastSide`, for `decode: 'fast'`, the long
 * side a JPEG may be decoded down to.
 */
export async function decodeStill(
  bytes: Uint8Array,
  mime: DirectMime,
  header: { width: number; height: number },
  limits: Pick<ImageLimits, 'maxPixels'>,
  plan?: (width: number, height: number) => Int32Array | null,
  fastSide?: number,
): Promise<Decoded | null> {
  if (typeof ImageDecoder !== 'function' || typeof VideoFrame !== 'function' || !('rotation' in VideoFrame.prototype)) return null;
  if (ALWAYS_RGB.has(mime) && header.width * header.height > MAX_COPY_PIXELS && plan?.(header.width, header.height)) return null;
  let decoder: ImageDecoder;
  try {
    const scaled = scaledSize(mime, header, fastSide);
    decoder = new ImageDecoder({ data: bytes, type: mime, colorSpaceConversion: 'none', preferAnimation: false, ...scaled });
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
      const turned = frame.rotation === 90 || frame.rotation === 270;
      const whole =
        frame.visibleRect?.x === 0 &&
        frame.visibleRect.y === 0 &&
        frame.visibleRect.width === width &&
        frame.visibleRect.height === height &&
        frame.displayWidth === (turned ? height : width) &&
        frame.displayHeight === (turned ? width : height);
      if (!whole || width < 3 || height < 3) return null;
      if (frame.displayWidth < header.width && frame.displayHeight < header.height) {
        // Decoded smaller: the header's size must be the same shape (it gives the geometry), within the scale's rounding.
        if (Math.abs(frame.displayWidth * header.height - frame.displayHeight * header.width) >= Math.max(header.width, header.height)) return null;
        const read = await pixelsOf(frame, mime);
        return read && { pixels: { ...read.pixels, original: { width: header.width, height: header.height } }, decoder: `scaled-${read.decoder}` as const };
      }
      return await pixelsOf(frame, mime, plan);
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
