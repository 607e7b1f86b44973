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
 * A JPEG over `limits.maxDecodePixels` (the memory ceiling) is decoded at 1/2,
 * 1/4 or 1/8 of its size (image/input-info.ts `decodeDivisor`), and with
 * `decode: 'fast'` one over twice the wanted long side is decoded smaller too:
 * libjpeg-turbo's scaled IDCT, through ImageDecoder's desiredWidth and
 * desiredHeight (Chromium picks the largest M/8 scale whose area fits them, so
 * asking for exactly 1/2, 1/4 or 1/8 gets that). Chromium gives such a frame as
 * RGB; only the rows the resize reads are copied out of it, a band at a time in
 * the displayed orientation, so the frame itself is the one large allocation.
 * The pixels say the image's own size (Pixels.original). Not the canvas's bytes,
 * by design: see DetectorOptions.decode and docs/performance.md.
 *
 * A frame over `limits.maxDecodePixels` (or `maxPixels`) is refused (4004) before
 * its pixels are read out, whatever the header said: the header check is only as
 * good as its parser.
 *
 * Anything else returns null and the caller decodes through createImageBitmap,
 * the reference: alpha, an EXIF orientation on a WebP's planes, a
 * colour space other than the format's own (4:4:0 and greyscale JPEGs come as
 * RGB, copied above), CMYK, a truncated file, images under 3 pixels on a side (5 wide for subsampled
 * chroma), an RGB frame over MAX_COPY_PIXELS read in part, or no ImageDecoder.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { checkDecoded, scaledSize, type Divisor, type ImageLimits } from '../image/input-info.js';
import { rowIndex, type Pixels } from '../image/pixels.js';
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
function fastSize(mime: DirectMime, header: { width: number; height: number }, side: number | undefined) {
  if (mime !== 'image/jpeg' || !side) return null;
  const eighths = Math.ceil((8 * side) / Math.max(header.width, header.height));
  if (eighths > 4) return null;
  return { desiredWidth: Math.ceil((header.width * eighths) / 8), desiredHeight: Math.ceil((header.height * eighths) / 8) };
}

/** The desired size: the memory ceiling's 1/divisor, or `decode: 'fast'`'s where that is smaller; null for a full decode. */
function desiredSize(mime: DirectMime, header: { width: number; height: number }, divisor: Divisor, fastSide: number | undefined) {
  const fast = fastSize(mime, header, fastSide);
  if (divisor === 1) return fast;
  const { width, height } = scaledSize(header.width, header.height, divisor);
  return fast && fast.desiredWidth * fast.desiredHeight < width * height ? fast : { desiredWidth: width, desiredHeight: height };
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

/** The rows the resize reads of a width x height image decoded from one of size `original`; null for all. */
type RowPlan = (width: number, height: number, original?: { width: number; height: number }) => Int32Array | null;

async function pixelsOf(frame: Frame, mime: DirectMime, plan?: RowPlan): Promise<{ pixels: Pixels; decoder: ExactPath } | null> {
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
 * 4004 for a decoded frame over what is decoded at once (`checkDecoded`), by its
 * displayed size (what a canvas draws) and its coded size (what the decoder allocated).
 */
export function checkFrame(frame: VideoFrame, limits: Pick<ImageLimits, 'maxPixels' | 'maxDecodePixels'>): void {
  checkDecoded(frame.displayWidth, frame.displayHeight, limits);
  checkDecoded(frame.codedWidth, frame.codedHeight, limits);
}

/** Rows copied out of a frame at once, at most this many bytes of RGBA. */
const BAND_BYTES = 1 << 22;

/**
 * The displayed rows `rows` (ascending; null for all) of an RGB frame as RGBA,
 * copied out a band of consecutive rows at a time (VideoFrame.copyTo with a
 * `rect`): a turned frame's displayed rows are stored columns, so each band is
 * the stored rectangle holding them, put in its displayed places pixel by pixel,
 * as turnRgba would. The same bytes as one whole copy turned, without it.
 */
async function copyRgbRows(frame: VideoFrame, { rotation, flip }: Orientation, rows: Int32Array | null): Promise<Pixels> {
  const W = frame.codedWidth;
  const H = frame.codedHeight;
  const turned = rotation === 90 || rotation === 270;
  const w = turned ? H : W;
  const h = turned ? W : H;
  const wanted = rows ?? Int32Array.from({ length: h }, (_, y) => y);
  const out = new Uint8ClampedArray(wanted.length * w * 4);
  const target = new Uint32Array(out.buffer);
  const band = Math.max(1, Math.floor(BAND_BYTES / (4 * (turned ? H : W))));
  for (let k = 0; k < wanted.length; ) {
    let end = k + 1;
    while (end < wanted.length && wanted[end] === wanted[end - 1]! + 1 && end - k < band) end++;
    const a = wanted[k]!;
    const n = end - k;
    const rect =
      rotation === 0 ? { x: 0, y: a, width: W, height: n }
      : rotation === 180 ? { x: 0, y: H - a - n, width: W, height: n }
      : rotation === 90 ? { x: a, y: 0, width: n, height: H }
      : { x: W - a - n, y: 0, width: n, height: H };
    const block = new Uint8ClampedArray(rect.width * rect.height * 4);
    await frame.copyTo(block, { rect, format: 'RGBA' });
    if (rotation === 0 && !flip) {
      out.set(block, k * w * 4);
    } else {
      const source = new Uint32Array(block.buffer);
      for (let i = 0; i < n; i++) {
        const dy = a + i;
        const o = (k + i) * w;
        for (let dx = 0; dx < w; dx++) {
          // As turnRgba: undo the mirror, then the turn; then into the band's rectangle.
          const x = flip ? w - 1 - dx : dx;
          const sx = rotation === 0 ? x : rotation === 90 ? dy : rotation === 180 ? W - 1 - x : W - 1 - dy;
          const sy = rotation === 0 ? dy : rotation === 90 ? H - 1 - x : rotation === 180 ? H - 1 - dy : x;
          target[o + dx] = source[(sy - rect.y) * rect.width + (sx - rect.x)]!;
        }
      }
    }
    k = end;
  }
  return { data: out, width: w, height: h, channels: 4, ...(rows && { rows: rowIndex(h, rows) }) };
}

/**
 * A frame decoded smaller than the image, in the displayed rows the resize reads:
 * planes converted as on the exact path where the decoder gave planes, else its
 * RGB copied a band at a time. Null where neither applies.
 */
async function scaledPixels(frame: Frame, mime: DirectMime, original: { width: number; height: number }, plan?: RowPlan): Promise<Decoded | null> {
  const orientation = orientationOf(frame);
  if (!orientation) return null;
  const rows = plan?.(frame.displayWidth, frame.displayHeight, original) ?? null;
  if ((frame.format === 'RGBX' || frame.format === 'BGRX') && isSrgb(frame.colorSpace) && (await videoFrameWorks())) {
    const pixels = await copyRgbRows(frame, orientation, rows);
    const upright = !orientation.rotation && !orientation.flip;
    return { pixels: { ...pixels, original }, decoder: upright ? 'scaled-frame-rgb' : 'scaled-frame-rgb-oriented' };
  }
  const read = await pixelsOf(frame, mime, (width, height) => plan?.(width, height, original) ?? null);
  return read && { pixels: { ...read.pixels, original }, decoder: `scaled-${read.decoder}` as const };
}

/**
 * Decodes a still image with ImageDecoder, or null where the caller should use
 * createImageBitmap instead (see the file's comment); 4004 for a frame over the
 * limit. `header` is the size the file's header gave (as displayed); `divisor`
 * the scale the memory ceiling asks for (image/input-info.ts `decodeDivisor`):
 * over 1, a JPEG decoded smaller, and never null (a full decode would break the
 * ceiling: 4004 where this browser cannot decode it smaller); `plan` gives the
 * rows the resize reads for a size; `fastSide`, for `decode: 'fast'`, the long
 * side a JPEG may be decoded down to.
 */
export async function decodeStill(
  bytes: Uint8Array,
  mime: DirectMime,
  header: { width: number; height: number },
  limits: Pick<ImageLimits, 'maxPixels' | 'maxDecodePixels'>,
  plan?: RowPlan,
  fastSide?: number,
  divisor: Divisor = 1,
): Promise<Decoded | null> {
  const scaledOnly = divisor > 1;
  const cannotScale = (why: string) =>
    new VeilError(
      ErrorCodes.TOO_LARGE,
      `This ${header.width} x ${header.height} JPEG is over the ${(limits.maxDecodePixels / 1e6).toFixed(1)} megapixels decoded at once (limits.maxDecodePixels), and this browser could not decode it at a reduced scale (${why}).`,
      { limit: { limit: 'maxDecodePixels', value: header.width * header.height, max: limits.maxDecodePixels, mime } },
    );
  if (typeof ImageDecoder !== 'function' || typeof VideoFrame !== 'function' || !('rotation' in VideoFrame.prototype)) {
    if (scaledOnly) throw cannotScale('no WebCodecs ImageDecoder');
    return null;
  }
  if (ALWAYS_RGB.has(mime) && header.width * header.height > MAX_COPY_PIXELS && plan?.(header.width, header.height)) return null;
  const desired = desiredSize(mime, header, divisor, fastSide);
  let decoder: ImageDecoder;
  try {
    decoder = new ImageDecoder({ data: bytes, type: mime, colorSpaceConversion: 'none', preferAnimation: false, ...desired });
  } catch (error) {
    if (scaledOnly) throw cannotScale(String(error));
    return null;
  }
  try {
    const { image, complete } = await decoder.decode();
    try {
      checkFrame(image, limits);
      if (!complete) {
        if (scaledOnly) throw new VeilError(ErrorCodes.DECODE_FAILED, 'This image/jpeg image could not be decoded: the file is truncated or corrupt.');
        return null; // a truncated file: createImageBitmap decides what it is
      }
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
      if (!whole || width < 3 || height < 3) {
        if (scaledOnly) throw cannotScale(`a ${width} x ${height} frame with a visible part of its own`);
        return null;
      }
      if (frame.displayWidth < header.width && frame.displayHeight < header.height) {
        // Decoded smaller: the header's size must be the same shape (it gives the geometry), within the scale's rounding.
        const sameShape = Math.abs(frame.displayWidth * header.height - frame.displayHeight * header.width) < Math.max(header.width, header.height);
        const scaled = sameShape ? await scaledPixels(frame, mime, header, plan) : null;
        if (!scaled && scaledOnly) throw cannotScale(`a ${frame.displayWidth} x ${frame.displayHeight} ${frame.format ?? 'unknown'} frame`);
        return scaled;
      }
      if (scaledOnly) throw cannotScale(`the decoder gave it whole, ${frame.displayWidth} x ${frame.displayHeight}`);
      return await pixelsOf(frame, mime, plan);
    } finally {
      image.close();
    }
  } catch (error) {
    if (error instanceof VeilError) throw error; // over the limit: no second decode
    if (scaledOnly) throw new VeilError(ErrorCodes.DECODE_FAILED, 'This image/jpeg image could not be decoded: the file is truncated or corrupt.', { cause: error });
    return null; // any doubt: createImageBitmap decodes it (and reports what is wrong)
  } finally {
    decoder.close();
  }
}
