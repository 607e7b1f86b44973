/**
 * Page side of remote screening: reads any input into the bytes a service can
 * take, or, for an image the page cannot read (cross-origin without CORS), just
 * its URL. Reading is asynchronous throughout (Blob reads, fetch, canvas encoding),
 * so nothing here blocks the page.
 */
import { decodeImageText, isImageText } from '../image/base64.js';
import { ErrorCodes, VeilError } from '../errors.js';
import { readHeader } from '../image/header.js';
import type { DetectInput } from '../page/prepare-input.js';
import type { InputInfo, InputType } from '../result.js';
import { sha256Hex } from '../image/sha256.js';
import { isSupportedMime, sniffMime } from '../image/sniff.js';
import type { RemoteImage } from './dialect.js';

function is<T>(value: unknown, name: string): value is T {
  const ctor = (globalThis as Record<string, unknown>)[name];
  return typeof ctor === 'function' && value instanceof (ctor as abstract new (...args: never[]) => unknown);
}

async function fromBytes(bytes: Uint8Array, type: InputType, source: string, declared: string | null, notes: string[]): Promise<RemoteImage> {
  if (bytes.length === 0) throw new VeilError(ErrorCodes.BAD_INPUT, 'The image is empty (0 bytes): pass the file or bytes of an image.');
  const mime = sniffMime(bytes);
  if (!isSupportedMime(mime)) {
    // Refused here, as locally: no point sending a service what is not an image.
    throw new VeilError(
      ErrorCodes.UNSUPPORTED_FORMAT,
      mime ? `${mime} images are not supported: convert it to JPEG, PNG, WebP, GIF, BMP or AVIF.` : 'These bytes are not an image Veil can read.',
    );
  }
  const declaredType = declared?.split(';')[0]?.trim().toLowerCase();
  if (declaredType && declaredType !== mime && declaredType !== 'application/octet-stream') {
    notes.push(`The input says it is ${declaredType} but its bytes are ${mime}; it was read as ${mime}.`);
  }
  const header = readHeader(bytes, mime);
  const info: InputInfo = {
    type,
    source,
    size_bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    mime,
    width: header?.width ?? 0,
    height: header?.height ?? 0,
  };
  return { bytes, info };
}

/** A URL's bytes, or only the URL when the page may not read it. */
async function fromUrl(url: string, type: InputType, notes: string[]): Promise<RemoteImage> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch {
    notes.push('The page cannot read this image (cross-origin without CORS), so the service was given its URL.');
    return { url, info: { type, source: url, size_bytes: 0, sha256: '', mime: null, width: 0, height: 0 } };
  }
  if (!response.ok) throw new VeilError(ErrorCodes.FETCH_FAILED, `The image ${url} could not be fetched: its server answered HTTP ${response.status}.`);
  const image = await fromBytes(new Uint8Array(await response.arrayBuffer()), type, url, response.headers.get('content-type'), notes);
  return { ...image, url };
}

/** Pixels have no file: they are sent as a lossless PNG. */
async function fromPixels(source: CanvasImageSource | ImageData, type: InputType, label: string, notes: string[]): Promise<RemoteImage> {
  let canvas: OffscreenCanvas;
  if (is<ImageData>(source, 'ImageData')) {
    canvas = new OffscreenCanvas(source.width, source.height);
    canvas.getContext('2d')!.putImageData(source, 0, 0);
  } else {
    const bitmap = await createImageBitmap(source as ImageBitmapSource).catch((error: unknown) => {
      throw new VeilError(ErrorCodes.BAD_INPUT, `The ${type} has no pixels to read: give it a size, or for a video wait for 'loadeddata'.`, { cause: error });
    });
    canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    bitmap.close();
  }
  let blob: Blob;
  try {
    blob = await canvas.convertToBlob({ type: 'image/png' });
  } catch (error) {
    throw new VeilError(ErrorCodes.CROSS_ORIGIN, `The pixels of this ${type} cannot be read: it holds a cross-origin image without CORS.`, { cause: error });
  }
  notes.push(`The ${type}'s pixels were sent as a PNG.`);
  return fromBytes(new Uint8Array(await blob.arrayBuffer()), type, label, null, notes);
}

export async function readForRemote(input: DetectInput, baseUrl: string, notes: string[]): Promise<RemoteImage> {
  if (typeof input === 'string' || input instanceof URL) {
    const text = String(input);
    if (text.trim() === '') throw new VeilError(ErrorCodes.BAD_INPUT, 'The input string is empty: pass an image URL, a data URI or base64.');
    if (isImageText(text)) {
      const { bytes, declaredMime } = decodeImageText(text);
      return fromBytes(bytes, 'base64', /^data:/i.test(text) ? text.slice(0, text.indexOf(',') + 1) : 'base64', declaredMime, notes);
    }
    return fromUrl(new URL(text, baseUrl).href, 'url', notes);
  }
  if (is<Blob>(input, 'Blob')) {
    const file = is<File>(input, 'File');
    return fromBytes(new Uint8Array(await input.arrayBuffer()), file ? 'file' : 'blob', file ? input.name : 'blob', input.type || null, notes);
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const view = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    return fromBytes(view.slice(), 'bytes', 'bytes', null, notes);
  }
  if (is<HTMLImageElement>(input, 'HTMLImageElement')) return fromUrl(input.currentSrc || input.src, 'image', notes);
  if (is<HTMLCanvasElement>(input, 'HTMLCanvasElement') || is<OffscreenCanvas>(input, 'OffscreenCanvas')) return fromPixels(input, 'canvas', 'canvas', notes);
  if (is<HTMLVideoElement>(input, 'HTMLVideoElement')) return fromPixels(input, 'video', input.currentSrc || 'video', notes);
  if (is<ImageBitmap>(input, 'ImageBitmap')) return fromPixels(input, 'bitmap', 'ImageBitmap', notes);
  if (is<ImageData>(input, 'ImageData')) return fromPixels(input, 'imagedata', 'ImageData', notes);
  throw new VeilError(ErrorCodes.BAD_INPUT, 'detect() cannot read this input: pass a File, Blob, bytes, a URL, base64, an element, an ImageBitmap or ImageData.');
}
