/**
 * The one step that turns an image's bytes into the result's `input` block under
 * the input limits, before anything decodes them or sends them anywhere: empty
 * and over-size files, formats by their signature (never by a name or declared
 * type), and the pixel count read from the header, so a small file that claims a
 * huge bitmap is refused before anything is allocated; a file whose header gives
 * no size is refused too, never left for a decoder to size. The worker, the remote
 * path and the gateway server all go through it, so each refuses the same files
 * with the same codes and sentences.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { InputInfo, InputType } from '../result.js';
import { readHeader, type HeaderInfo } from './header.js';
import { sha256Hex } from './sha256.js';
import { FORMAT_OF, isSupportedMime, sniffMime, type ImageFormat, type SupportedMime } from './sniff.js';

export interface ImageLimits {
  maxBytes: number;
  maxPixels: number;
  /** The most pixels decoded at once (the memory ceiling): see `decodeDivisor`. */
  maxDecodePixels: number;
  formats: readonly ImageFormat[];
  /** Present where SVG can be allowed (the library's `limits.allowSvg`), so its refusal can say how; SVG bytes are refused either way (they reach here only unrasterised). */
  allowSvg?: boolean;
}

/** Where the bytes came from, for the `input` block and the notes. */
export interface ByteSource {
  type: InputType;
  source: string;
  /** The type the caller or server declared: checked against the bytes, never trusted. */
  declared: string | null;
}

export interface CheckedImage {
  /** Width and height from the header. */
  info: InputInfo & { mime: SupportedMime };
  header: HeaderInfo;
  notes: string[];
  /** 1 to decode in full; 2, 4 or 8 for a JPEG over `maxDecodePixels`, decoded at that fraction of its size. */
  divisor: Divisor;
}

const megapixels = (n: number) => `${(n / 1e6).toFixed(1)} megapixels`;
const megabytes = (n: number) => `${Math.round(n / 1e6)} MB`;

/** 4004 for a file over `limits.maxBytes`, checked before a Blob is even read. */
export function checkByteCount(size: number, limits: Pick<ImageLimits, 'maxBytes'>): void {
  if (size > limits.maxBytes) {
    throw new VeilError(ErrorCodes.TOO_LARGE, `The image is ${size} bytes, over the ${limits.maxBytes}-byte limit (limits.maxBytes).`, {
      limit: { limit: 'maxBytes', value: size, max: limits.maxBytes },
    });
  }
}

/** 4004 for an image over `limits.maxPixels`. */
export function checkPixels(width: number, height: number, limits: Pick<ImageLimits, 'maxPixels'>): void {
  if (width * height > limits.maxPixels) {
    throw new VeilError(
      ErrorCodes.TOO_LARGE,
      `The image is ${width} x ${height} (${megapixels(width * height)}), over the ${megapixels(limits.maxPixels)} limit (limits.maxPixels): send a smaller image.`,
      { limit: { limit: 'maxPixels', value: width * height, max: limits.maxPixels } },
    );
  }
}

/**
 * 4004 for pixels a decoder gave (a frame, a bitmap) over what is ever decoded at
 * once: `limits.maxDecodePixels`, or `maxPixels` where that is lower. Nothing
 * asks a decoder for more, so a larger one comes from a header that misled the
 * check before decoding.
 */
export function checkDecoded(width: number, height: number, limits: Pick<ImageLimits, 'maxPixels' | 'maxDecodePixels'>): void {
  checkPixels(width, height, limits);
  if (width * height > limits.maxDecodePixels) {
    throw new VeilError(
      ErrorCodes.TOO_LARGE,
      `The image decoded to ${width} x ${height} (${megapixels(width * height)}), over the ${megapixels(limits.maxDecodePixels)} decoded at once (limits.maxDecodePixels).`,
      { limit: { limit: 'maxDecodePixels', value: width * height, max: limits.maxDecodePixels } },
    );
  }
}

/** The fraction of its size an image is decoded at: 1 (whole), or 1/2, 1/4, 1/8. */
export type Divisor = 1 | 2 | 4 | 8;

/** The size of a width x height image decoded at 1/divisor, as libjpeg's scaled IDCT rounds it (up). */
export const scaledSize = (width: number, height: number, divisor: Divisor) => ({
  width: Math.ceil(width / divisor),
  height: Math.ceil(height / divisor),
});

/**
 * How a still image is decoded within the memory ceiling, `limits.maxDecodePixels`:
 * whole when it fits (the exact path, byte for byte as before); a JPEG over it at
 * the largest of 1/2, 1/4 and 1/8 of its size that fits (libjpeg-turbo's scaled
 * IDCT: in the browser through ImageDecoder's desired size, in Node through
 * libvips); any other format over it is refused (4004) before anything is
 * allocated, since no browser decoder scales a PNG, GIF, BMP, WebP or AVIF while
 * decoding it (WebCodecs' ImageDecoder ignores the desired size for them:
 * measured, docs/performance.md), so decoding one takes its whole size in memory.
 * 1/2, 1/4 and 1/8 only, not every M/8, because libvips' JPEG loader offers just
 * those, and the browser and Node must decode the same pixels.
 */
export function decodeDivisor(mime: string, width: number, height: number, limits: Pick<ImageLimits, 'maxDecodePixels'>): Divisor {
  const pixels = width * height;
  if (pixels <= limits.maxDecodePixels) return 1;
  if (mime === 'image/jpeg') {
    for (const divisor of [2, 4, 8] as const) {
      const scaled = scaledSize(width, height, divisor);
      if (scaled.width * scaled.height <= limits.maxDecodePixels) return divisor;
    }
  }
  const format = mime.replace('image/', '').toUpperCase();
  throw new VeilError(
    ErrorCodes.TOO_LARGE,
    `The image is ${width} x ${height} (${megapixels(pixels)}): decoding a ${format} that large takes ${megabytes(4 * pixels)}, over the ${megapixels(limits.maxDecodePixels)} decoded at once (limits.maxDecodePixels); only a JPEG is decoded at a reduced scale, so send it as a JPEG or smaller.`,
    { limit: { limit: 'maxDecodePixels', value: pixels, max: limits.maxDecodePixels, mime } },
  );
}

/** The `notes` entry of a width x height photo decoded at the smaller `decoded` size. */
export function scaledNote(width: number, height: number, decoded: { width: number; height: number }, limits: Pick<ImageLimits, 'maxDecodePixels'>): string {
  return (
    `This ${width} x ${height} photo was decoded at ${decoded.width} x ${decoded.height} (libjpeg-turbo's scaled decoding), so that decoding stays within ${megapixels(limits.maxDecodePixels)} (limits.maxDecodePixels): ` +
    "scores can differ slightly from a full decode's (docs/performance.md); boxes are in the photo's own pixels."
  );
}

function checkFormat(mime: string | null, limits: ImageLimits): asserts mime is SupportedMime {
  if (mime === 'image/svg+xml' && limits.allowSvg !== undefined) {
    throw new VeilError(
      ErrorCodes.UNSUPPORTED_FORMAT,
      'SVG images can carry script and are refused: set limits.allowSvg to rasterise them (passed as a File, Blob, bytes, data URI or <img>).',
    );
  }
  if (!isSupportedMime(mime)) {
    throw new VeilError(
      ErrorCodes.UNSUPPORTED_FORMAT,
      mime
        ? `${mime} images are not supported: convert it to JPEG, PNG, WebP, GIF, BMP or AVIF.`
        : 'These bytes are not an image Veil can read (no JPEG, PNG, WebP, GIF, BMP or AVIF signature). Check the file is an image.',
    );
  }
  const format = FORMAT_OF[mime];
  if (!limits.formats.includes(format)) {
    throw new VeilError(ErrorCodes.UNSUPPORTED_FORMAT, `${format.toUpperCase()} images are not accepted here (limits.formats allows ${limits.formats.join(', ')}).`);
  }
}

/**
 * Checks an image's bytes under the limits and describes them, with the scale
 * it is to be decoded at (`decodeDivisor`); throws VeilError 4000, 4002, 4003 or 4004.
 */
export async function checkImageBytes(bytes: Uint8Array, from: ByteSource, limits: ImageLimits): Promise<CheckedImage> {
  if (bytes.length === 0) throw new VeilError(ErrorCodes.BAD_INPUT, 'The image is empty (0 bytes): pass the file or bytes of an image.');
  checkByteCount(bytes.length, limits);
  const mime = sniffMime(bytes);
  checkFormat(mime, limits);
  const notes: string[] = [];
  const declared = from.declared?.split(';')[0]?.trim().toLowerCase();
  if (declared && declared !== mime && declared !== 'application/octet-stream') {
    notes.push(`The input says it is ${declared} but its bytes are ${mime}; it was read as ${mime}.`);
  }
  const header = readHeader(bytes, mime);
  // A header that gives no size would leave the decoder to find out how much to
  // allocate: header.ts reads every size a browser decoder reads, so such a file
  // is one no decoder here could make sense of either.
  if (!header) {
    throw new VeilError(ErrorCodes.DECODE_FAILED, `This ${mime} image could not be decoded: its header gives no size, so the file is truncated or corrupt.`);
  }
  checkPixels(header.width, header.height, limits);
  const divisor = decodeDivisor(mime, header.width, header.height, limits);
  const info = {
    type: from.type,
    source: from.source,
    size_bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    mime,
    width: header.width,
    height: header.height,
  };
  return { info, header, notes, divisor };
}
