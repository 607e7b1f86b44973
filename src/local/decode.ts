/**
 * Worker side of input handling: turns what the page sent into RGBA pixels plus
 * the gateway's `input` block (sha256 of the bytes, sniffed mime, size).
 *
 * Decoding follows what we measured against OpenCV (nudenet.md): createImageBitmap
 * with `colorSpaceConversion: 'none'` (OpenCV does no colour management) and
 * EXIF orientation applied, read back as a canvas's getImageData gives it
 * (read-pixels.ts). Fully transparent pixels come back black: a canvas cannot keep
 * the colour stored under alpha 0, which OpenCV would read (documented in the README).
 */
import { decodeImageText } from '../base64.js';
import { ErrorCodes, VeilError } from '../errors.js';
import type { InputInfo } from '../result.js';
import { sha256Hex } from '../sha256.js';
import { isSupportedMime, sniffMime } from '../sniff.js';
import type { WorkerInput } from './protocol.js';
import { readBitmap } from './read-pixels.js';
import type { Pixels } from './resize.js';

export interface DecodedInput {
  pixels: Pixels;
  info: InputInfo;
  notes: string[];
}

/**
 * Which source rows preprocessing will read of a width x height image, or null
 * for all of them: the worker passes one so a large photo is read in part.
 */
export type RowPlan = (width: number, height: number) => Int32Array | null;

async function readPixels(bitmap: ImageBitmap, rows: Int32Array | null = null): Promise<Pixels> {
  try {
    return await readBitmap(bitmap, rows);
  } catch (error) {
    if (!(error instanceof DOMException && error.name === 'SecurityError')) throw error;
    throw new VeilError(
      ErrorCodes.CROSS_ORIGIN,
      'The pixels of this image cannot be read: it comes from another origin that does not allow CORS. Serve it with Access-Control-Allow-Origin, or load it with crossorigin="anonymous".',
      { cause: error },
    );
  }
}

async function fetchBytes(url: string, type: WorkerInput['type']): Promise<{ bytes: Uint8Array; declared: string | null }> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    // fetch does not say whether the network or CORS refused; for an <img> that
    // displayed fine it is CORS.
    throw type === 'image'
      ? new VeilError(
          ErrorCodes.CROSS_ORIGIN,
          `The image ${url} is shown on the page but its server does not allow CORS, so its bytes cannot be read. Serve it with Access-Control-Allow-Origin, or screen it through a gateway by URL.`,
          { cause: error },
        )
      : new VeilError(
          ErrorCodes.FETCH_FAILED,
          `The image ${url} could not be fetched: the network failed or its server does not allow CORS for this page.`,
          { cause: error },
        );
  }
  if (!response.ok) {
    throw new VeilError(ErrorCodes.FETCH_FAILED, `The image ${url} could not be fetched: its server answered HTTP ${response.status}.`);
  }
  return { bytes: new Uint8Array(await response.arrayBuffer()), declared: response.headers.get('content-type') };
}

async function decodeBytes(
  input: WorkerInput,
  bytes: Uint8Array,
  declared: string | null,
  plan?: RowPlan,
): Promise<DecodedInput> {
  const notes: string[] = [];
  if (bytes.length === 0) throw new VeilError(ErrorCodes.BAD_INPUT, 'The image is empty (0 bytes): pass the file or bytes of an image.');
  const mime = sniffMime(bytes);
  if (!isSupportedMime(mime)) {
    throw new VeilError(
      ErrorCodes.UNSUPPORTED_FORMAT,
      mime
        ? `${mime} images are not supported: convert it to JPEG, PNG, WebP, GIF, BMP or AVIF.`
        : 'These bytes are not an image Veil can read (no JPEG, PNG, WebP, GIF, BMP or AVIF signature). Check the file is an image.',
    );
  }
  const declaredType = declared?.split(';')[0]?.trim().toLowerCase();
  if (declaredType && declaredType !== mime && declaredType !== 'application/octet-stream') {
    notes.push(`The input says it is ${declaredType} but its bytes are ${mime}; it was read as ${mime}.`);
  }
  const [sha256, bitmap] = await Promise.all([
    sha256Hex(bytes),
    createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    }).catch((error: unknown) => {
      throw new VeilError(
        ErrorCodes.DECODE_FAILED,
        `This ${mime} image could not be decoded: the file is truncated or corrupt.`,
        { cause: error },
      );
    }),
  ]);
  try {
    const pixels = await readPixels(bitmap, plan?.(bitmap.width, bitmap.height));
    return {
      pixels,
      notes,
      info: { type: input.type, source: input.source, size_bytes: bytes.length, sha256, mime, width: pixels.width, height: pixels.height },
    };
  } finally {
    bitmap.close();
  }
}

async function decodePixels(input: WorkerInput, pixels: Pixels): Promise<DecodedInput> {
  return {
    pixels,
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
  };
}

/**
 * Decodes any worker input into pixels and the result's `input` block. With a
 * `plan`, files may be read in part (see Pixels.rows); pixel inputs are always
 * read whole, since their hash covers every pixel.
 */
export async function decodeInput(input: WorkerInput, plan?: RowPlan): Promise<DecodedInput> {
  switch (input.kind) {
    case 'bytes':
      return decodeBytes(input, input.bytes, input.declaredMime ?? null, plan);
    case 'blob':
      return decodeBytes(input, new Uint8Array(await input.blob.arrayBuffer()), input.blob.type || null, plan);
    case 'text': {
      const { bytes, declaredMime } = decodeImageText(input.text);
      return decodeBytes(input, bytes, declaredMime, plan);
    }
    case 'url': {
      const { bytes, declared } = await fetchBytes(input.url, input.type);
      return decodeBytes(input, bytes, declared, plan);
    }
    case 'bitmap':
      try {
        return await decodePixels(input, await readPixels(input.bitmap));
      } finally {
        input.bitmap.close();
      }
    case 'imagedata':
      return decodePixels(input, { data: input.image.data, width: input.image.width, height: input.image.height, channels: 4 });
  }
}
