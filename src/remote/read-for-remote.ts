/**
 * Page side of remote screening: reads any input into the bytes a service can
 * take, or, for an image the page cannot read (cross-origin without CORS), just
 * its URL. The input is first reduced as for the worker (page/prepare-input.ts),
 * then checked under the same limits (image/input-info.ts) before anything leaves
 * the page: a file the worker would refuse is refused here with the same code,
 * and the service never sees it. Reading is asynchronous throughout (Blob reads,
 * fetch, canvas encoding), so nothing here blocks the page.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { decodeImageText } from '../image/base64.js';
import { fetchImage } from '../image/fetch-image.js';
import { checkByteCount, checkImageBytes, checkPixels, type ByteSource } from '../image/input-info.js';
import type { InputLimits } from '../options.js';
import { prepareInput } from '../local/prepare-input.js';
import type { DetectInput } from '../types.js';
import type { WorkerInput } from '../worker/protocol.js';
import type { RemoteImage } from './dialect.js';

type Limits = Required<InputLimits>;

async function fromBytes(bytes: Uint8Array, from: ByteSource, limits: Limits, notes: string[]): Promise<RemoteImage> {
  const checked = await checkImageBytes(bytes, from, limits);
  notes.push(...checked.notes);
  return { bytes, info: checked.info };
}

/** A URL's bytes, or only the URL when the page may not read it. */
async function fromUrl(input: Extract<WorkerInput, { kind: 'url' }>, limits: Limits, notes: string[]): Promise<RemoteImage> {
  const { url, type } = input;
  const fetched = await fetchImage(url, type, { maxBytes: limits.maxBytes, timeoutMs: limits.fetchTimeoutMs, unreadable: 'null' });
  if (!fetched) {
    notes.push('The page cannot read this image (cross-origin without CORS), so the service was given its URL.');
    return { url, info: { type, source: url, size_bytes: 0, sha256: '', mime: null, width: 0, height: 0 } };
  }
  return { ...(await fromBytes(fetched.bytes, { type, source: url, declared: fetched.declared }, limits, notes)), url };
}

/** Pixels have no file: they are sent as a lossless PNG. */
async function fromPixels(source: ImageBitmap | ImageData, input: WorkerInput, limits: Limits, notes: string[]): Promise<RemoteImage> {
  checkPixels(source.width, source.height, limits);
  const canvas = new OffscreenCanvas(source.width, source.height);
  const context = canvas.getContext('2d')!;
  if (source instanceof ImageBitmap) context.drawImage(source, 0, 0);
  else context.putImageData(source, 0, 0);
  let blob: Blob;
  try {
    blob = await canvas.convertToBlob({ type: 'image/png' });
  } catch (error) {
    throw new VeilError(ErrorCodes.CROSS_ORIGIN, `The pixels of this ${input.type} cannot be read: it holds a cross-origin image without CORS.`, { cause: error });
  }
  notes.push(`The ${input.type}'s pixels were sent as a PNG.`);
  // The PNG is ours, not the caller's file: only its pixel count is the caller's to limit.
  const pngLimits = { ...limits, maxBytes: Number.POSITIVE_INFINITY, formats: ['png' as const] };
  return fromBytes(new Uint8Array(await blob.arrayBuffer()), { type: input.type, source: input.source, declared: null }, pngLimits, notes);
}

export async function readForRemote(input: DetectInput, baseUrl: string, limits: Limits, notes: string[]): Promise<RemoteImage> {
  const { message } = await prepareInput(input, baseUrl, { allowSvg: limits.allowSvg });
  const from = (declared: string | null): ByteSource => ({ type: message.type, source: message.source, declared });
  switch (message.kind) {
    case 'bytes':
      return fromBytes(message.bytes, from(message.declaredMime ?? null), limits, notes);
    case 'blob':
      checkByteCount(message.blob.size, limits);
      return fromBytes(new Uint8Array(await message.blob.arrayBuffer()), from(message.blob.type || null), limits, notes);
    case 'text': {
      const { bytes, declaredMime } = decodeImageText(message.text);
      return fromBytes(bytes, from(declaredMime), limits, notes);
    }
    case 'url':
      return fromUrl(message, limits, notes);
    case 'bitmap':
      try {
        return await fromPixels(message.bitmap, message, limits, notes);
      } finally {
        message.bitmap.close();
      }
    case 'imagedata':
      return fromPixels(message.image, message, limits, notes);
  }
}
