/**
 * Worker side of input handling: turns what the page sent into RGBA pixels plus
 * the gateway's `input` block (sha256 of the bytes, sniffed mime, size).
 *
 * Decoding follows what we measured against OpenCV (nudenet.md): createImageBitmap
 * with `colorSpaceConversion: 'none'` (OpenCV does no colour management) and
 * EXIF orientation applied, drawn at natural size and read back with
 * getImageData. Fully transparent pixels come back black: a canvas cannot keep
 * the colour stored under alpha 0, which OpenCV would read (documented in the README).
 */
import { decodeImageText } from '../base64.js';
import { ErrorCodes, VeilError } from '../errors.js';
import type { InputInfo } from '../result.js';
import { readHeader } from '../image-header.js';
import { sha256Hex } from '../sha256.js';
import { isSupportedMime, sniffMime } from '../sniff.js';
import type { WorkerInput } from './protocol.js';
import type { Pixels } from './resize.js';

/**
 * An input read and hashed but not yet decoded: the hash decides whether a
 * remembered result can answer, and decoding (the expensive part) happens only if not.
 */
export interface ReadInput {
  /** Width and height from the file header where known (0 otherwise) until `decode()` sets them. */
  info: InputInfo;
  notes: string[];
  decode(): Promise<Pixels>;
}

let canvas: OffscreenCanvas | null = null;
let context: OffscreenCanvasRenderingContext2D | null = null;

/** One canvas, reused: a fresh one per image would churn GPU and CPU memory. */
function readPixels(bitmap: ImageBitmap): Pixels {
  const { width, height } = bitmap;
  if (!canvas || !context) {
    canvas = new OffscreenCanvas(width, height);
    context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new VeilError(ErrorCodes.INTERNAL, 'This browser gives no 2D context to an OffscreenCanvas in a worker.');
  }
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width; // resizing also clears it
    canvas.height = height;
  } else {
    context.clearRect(0, 0, width, height);
  }
  context.drawImage(bitmap, 0, 0);
  try {
    return { data: context.getImageData(0, 0, width, height).data, width, height, channels: 4 };
  } catch (error) {
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

async function readBytes(input: WorkerInput, bytes: Uint8Array, declared: string | null): Promise<ReadInput> {
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
  const header = readHeader(bytes, mime);
  const info: InputInfo = {
    type: input.type,
    source: input.source,
    size_bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    mime,
    width: header?.width ?? 0,
    height: header?.height ?? 0,
  };
  return {
    info,
    notes,
    async decode() {
      const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), {
        colorSpaceConversion: 'none',
        premultiplyAlpha: 'none',
        imageOrientation: 'from-image',
      }).catch((error: unknown) => {
        throw new VeilError(ErrorCodes.DECODE_FAILED, `This ${mime} image could not be decoded: the file is truncated or corrupt.`, {
          cause: error,
        });
      });
      try {
        const pixels = readPixels(bitmap);
        info.width = pixels.width;
        info.height = pixels.height;
        return pixels;
      } finally {
        bitmap.close();
      }
    },
  };
}

async function readPixelInput(input: WorkerInput, pixels: Pixels): Promise<ReadInput> {
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
    decode: () => Promise.resolve(pixels),
  };
}

/** Reads and hashes any worker input; its `decode()` gives the pixels. */
export async function readInput(input: WorkerInput): Promise<ReadInput> {
  switch (input.kind) {
    case 'bytes':
      return readBytes(input, input.bytes, input.declaredMime ?? null);
    case 'blob':
      return readBytes(input, new Uint8Array(await input.blob.arrayBuffer()), input.blob.type || null);
    case 'text': {
      const { bytes, declaredMime } = decodeImageText(input.text);
      return readBytes(input, bytes, declaredMime);
    }
    case 'url': {
      const { bytes, declared } = await fetchBytes(input.url, input.type);
      return readBytes(input, bytes, declared);
    }
    case 'bitmap':
      try {
        return await readPixelInput(input, readPixels(input.bitmap));
      } finally {
        input.bitmap.close();
      }
    case 'imagedata':
      return readPixelInput(input, { data: input.image.data, width: input.image.width, height: input.image.height, channels: 4 });
  }
}
