/**
 * Worker side of input handling: turns what the page sent into RGBA pixels plus
 * the gateway's `input` block (sha256 of the bytes, sniffed mime, size), within
 * the input limits (checked by image/input-info.ts before anything decodes). The
 * pixel limit is checked again on what each path decoded (an ImageDecoder still,
 * an ImageBitmap, every animation frame), before its pixels are read out: the
 * header check stops the allocation, this one stops a header that misled it.
 *
 * Decoding follows what we measured against OpenCV (docs/nudenet.md): createImageBitmap
 * with `colorSpaceConversion: 'none'` (OpenCV does no colour management) and
 * EXIF orientation applied, read back as a canvas's getImageData gives it
 * (read-pixels.ts). Where WebCodecs' ImageDecoder gives those same bytes sooner
 * (an upright JPEG, WebP, PNG or BMP, opaque or 4:2:0), it decodes instead
 * (image-decoder.ts). Fully transparent pixels come back black: a canvas cannot
 * keep the colour stored under alpha 0, which OpenCV would read (documented in
 * docs/nudenet.md).
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { decodeImageText } from '../image/base64.js';
import { fetchImage } from '../image/fetch-image.js';
import { checkByteCount, checkDecoded, checkImageBytes, scaledNote } from '../image/input-info.js';
import type { Pixels } from '../image/pixels.js';
import { sha256Hex } from '../image/sha256.js';
import type { InputLimits } from '../options.js';
import type { InputInfo } from '../result.js';
import { openAnimation, sampleFrames } from './animation.js';
import { checkFrame, decodeStill, isDirectMime, type DecoderPath as StillPath } from './image-decoder.js';
import type { WorkerInput } from './protocol.js';
import { readBitmap, readFrame } from './read-pixels.js';

type Limits = Required<InputLimits>;

/**
 * An input read and hashed but not yet decoded: the hash decides whether a
 * remembered result can answer, and decoding (the expensive part) happens only if not.
 */
export interface ReadInput {
  /** Width and height from the file header until a frame is decoded. */
  info: InputInfo;
  notes: string[];
  /** The frames to scan: one for a still image, up to `maxFrames` of an animation. */
  frames(): AsyncGenerator<Frame>;
}

export interface Frame {
  pixels: Pixels;
  /** Its index in the animation (0 for a still image). */
  index: number;
  /** Frames in the animation (1 for a still image). */
  total: number;
  /** How its pixels were read (a result's `timings.decoder`). */
  decoder: DecoderPath;
}

/**
 * The ImageDecoder paths (image-decoder.ts), or createImageBitmap's: `bitmap-rows`
 * for the rows the resize reads drawn one by one, `bitmap` for the whole bitmap
 * (copied from its frame or drawn on a canvas), `frame-canvas` for an animation
 * frame, `pixels` for pixels handed in.
 */
export type DecoderPath = StillPath | 'bitmap' | 'bitmap-rows' | 'frame-canvas' | 'pixels';

/**
 * Which source rows preprocessing will read of a width x height image (decoded
 * from one of size `original`, when smaller), or null for all of them: the
 * worker passes one so a large photo is read in part.
 */
export type RowPlan = (width: number, height: number, original?: { width: number; height: number }) => Int32Array | null;

const crossOrigin = (error: unknown) =>
  new VeilError(
    ErrorCodes.CROSS_ORIGIN,
    'The pixels of this image cannot be read: it comes from another origin that does not allow CORS. Serve it with Access-Control-Allow-Origin, or load it with crossorigin="anonymous".',
    { cause: error },
  );

/** RGBA pixels as a canvas's getImageData gives them (read-pixels.ts), or 4006 for a cross-origin source. */
async function readPixels(source: ImageBitmap | VideoFrame, rows: Int32Array | null = null): Promise<Pixels> {
  try {
    return source instanceof ImageBitmap ? await readBitmap(source, rows) : readFrame(source);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'SecurityError') throw crossOrigin(error);
    throw error;
  }
}

async function readBytes(input: WorkerInput, bytes: Uint8Array, declared: string | null, limits: Limits, plan?: RowPlan, fastSide?: number): Promise<ReadInput> {
  const { info, header, notes, divisor } = await checkImageBytes(bytes, { type: input.type, source: input.source, declared }, limits);
  const { mime } = info;
  const undecodable = (error: unknown) =>
    new VeilError(ErrorCodes.DECODE_FAILED, `This ${mime} image could not be decoded: the file is truncated or corrupt.`, { cause: error });

  async function* frames(): AsyncGenerator<Frame> {
    const animation = await openAnimation(bytes, mime);
    if (animation) {
      try {
        for (const index of sampleFrames(animation.total, limits.maxFrames)) {
          const frame = await animation.frame(index).catch((error: unknown) => {
            throw undecodable(error);
          });
          let pixels: Pixels;
          try {
            checkFrame(frame, limits); // every frame: a decoder may size it past the header
            pixels = await readPixels(frame);
          } finally {
            frame.close();
          }
          info.width = pixels.width;
          info.height = pixels.height;
          yield { pixels, index, total: animation.total, decoder: 'frame-canvas' };
        }
      } finally {
        animation.close();
      }
      return;
    }
    // ImageDecoder when that gives the same bytes; it checks the size it decoded too.
    // Over the memory ceiling only a JPEG gets here (checkImageBytes refused the rest), and decodeStill decodes it smaller or refuses it.
    const direct = isDirectMime(mime) ? await decodeStill(bytes, mime, header, limits, plan, fastSide, divisor) : null;
    if (direct) {
      const { width, height } = direct.pixels.original ?? direct.pixels;
      info.width = width;
      info.height = height;
      if (divisor > 1) notes.push(scaledNote(width, height, direct.pixels, limits));
      yield { pixels: direct.pixels, index: 0, total: 1, decoder: direct.decoder };
      return;
    }
    const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    }).catch((error: unknown) => {
      throw undecodable(error);
    });
    let pixels: Pixels;
    try {
      checkDecoded(bitmap.width, bitmap.height, limits); // the decoded size, whatever the header said
      pixels = await readPixels(bitmap, plan?.(bitmap.width, bitmap.height));
    } finally {
      bitmap.close();
    }
    info.width = pixels.width;
    info.height = pixels.height;
    yield { pixels, index: 0, total: 1, decoder: pixels.rows ? 'bitmap-rows' : 'bitmap' };
  }

  return { info, notes, frames };
}

async function readPixelInput(input: WorkerInput, pixels: Pixels, limits: Limits): Promise<ReadInput> {
  checkDecoded(pixels.width, pixels.height, limits);
  return {
    notes: [],
    info: {
      type: input.type,
      source: input.source,
      size_bytes: pixels.data.length,
      sha256: await sha256Hex(new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength)),
      mime: null,
      width: pixels.width,
      height: pixels.height,
    },
    async *frames() {
      yield { pixels, index: 0, total: 1, decoder: 'pixels' };
    },
  };
}

/**
 * Reads and hashes any worker input within the limits; its `frames()` give the
 * pixels. With a `plan`, a still file may be read in part (see Pixels.rows); pixel
 * inputs are always read whole, since their hash covers every pixel. With a
 * `fastSide` (`decode: 'fast'`), a large JPEG may be decoded smaller, down to that
 * long side (see Pixels.original).
 */
export async function readInput(input: WorkerInput, limits: Limits, plan?: RowPlan, fastSide?: number): Promise<ReadInput> {
  switch (input.kind) {
    case 'bytes':
      return readBytes(input, input.bytes, input.declaredMime ?? null, limits, plan, fastSide);
    case 'blob':
      checkByteCount(input.blob.size, limits);
      return readBytes(input, new Uint8Array(await input.blob.arrayBuffer()), input.blob.type || null, limits, plan, fastSide);
    case 'text': {
      const { bytes, declaredMime } = decodeImageText(input.text);
      return readBytes(input, bytes, declaredMime, limits, plan, fastSide);
    }
    case 'url': {
      const { bytes, declared } = await fetchImage(input.url, input.type, { maxBytes: limits.maxBytes, timeoutMs: limits.fetchTimeoutMs });
      return readBytes(input, bytes, declared, limits, plan, fastSide);
    }
    case 'bitmap':
      try {
        checkDecoded(input.bitmap.width, input.bitmap.height, limits);
        return await readPixelInput(input, await readPixels(input.bitmap), limits);
      } finally {
        input.bitmap.close();
      }
    case 'imagedata':
      return readPixelInput(input, { data: input.image.data, width: input.image.width, height: input.image.height, channels: 4 }, limits);
  }
}
