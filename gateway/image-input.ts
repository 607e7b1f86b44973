/**
 * One request's image: its bytes (base64, upload or download), then the result's
 * `input` block exactly as the browser library fills it (sha256 and size of the
 * file's bytes, mime sniffed from its signature, size after EXIF orientation),
 * then its pixels.
 */
import { ErrorCodes, VeilError } from '../src/errors.js';
import { decodeImageText } from '../src/image/base64.js';
import { checkImageBytes } from '../src/image/input-info.js';
import { IMAGE_FORMATS } from '../src/image/sniff.js';
import type { InputInfo } from '../src/result.js';
import { decodeImage, MAX_PIXELS, type RgbaImage } from './decode.js';
import { fetchImage, type FetchImageOptions } from './fetch-image.js';
import type { ImageSource } from './params.js';

export interface LoadedImage {
  /** The file's bytes, for a cloud backend. */
  bytes: Uint8Array;
  info: InputInfo;
  pixels: RgbaImage;
  notes: string[];
}

interface Bytes {
  bytes: Uint8Array;
  declared: string | null;
  type: InputInfo['type'];
  source: string;
}

async function bytesOf(image: ImageSource, fetchOptions: FetchImageOptions): Promise<Bytes> {
  switch (image.kind) {
    case 'base64': {
      const { bytes, declaredMime } = decodeImageText(image.text);
      const trimmed = image.text.trimStart();
      const source = /^data:/i.test(trimmed) ? trimmed.slice(0, trimmed.indexOf(',') + 1) || 'data:' : 'base64';
      return { bytes, declared: declaredMime, type: 'base64', source: source.slice(0, 200) };
    }
    case 'file':
      return { bytes: image.file.bytes, declared: image.file.type || null, type: 'file', source: image.file.filename.slice(0, 200) };
    case 'url': {
      const { bytes, declaredMime } = await fetchImage(image.url, fetchOptions);
      return { bytes, declared: declaredMime, type: 'url', source: image.url };
    }
  }
}

/** Everything an image format allows; the gateway's size limits are its own (`--max-body`, MAX_PIXELS). */
const GATEWAY_LIMITS = { maxPixels: MAX_PIXELS, formats: IMAGE_FORMATS };

export async function loadImage(image: ImageSource, maxBytes: number, fetchOptions: FetchImageOptions): Promise<LoadedImage> {
  const { bytes, declared, type, source } = await bytesOf(image, fetchOptions);
  // Said in the gateway's own terms: its callers set no `limits`, its operator sets the body size.
  if (bytes.length > maxBytes) {
    throw new VeilError(ErrorCodes.TOO_LARGE, `The image is ${bytes.length} bytes, more than this gateway accepts (${maxBytes}).`);
  }
  const { info, notes } = await checkImageBytes(bytes, { type, source, declared }, { ...GATEWAY_LIMITS, maxBytes });
  const pixels = await decodeImage(bytes, info.mime);
  return { bytes, info: { ...info, width: pixels.width, height: pixels.height }, pixels, notes };
}
