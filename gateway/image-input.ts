/**
 * One request's image: its bytes (base64, upload or download), then the result's
 * `input` block exactly as the browser library fills it (sha256 and size of the
 * file's bytes, mime sniffed from its signature, size after EXIF orientation),
 * then its pixels.
 */
import { decodeImageText } from '../src/image/base64.js';
import { ErrorCodes, VeilError } from '../src/errors.js';
import type { InputInfo } from '../src/result.js';
import { sha256Hex } from '../src/image/sha256.js';
import { isSupportedMime, sniffMime } from '../src/image/sniff.js';
import { decodeImage, type RgbaImage } from './decode.js';
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

export async function loadImage(image: ImageSource, maxBytes: number, fetchOptions: FetchImageOptions): Promise<LoadedImage> {
  const { bytes, declared, type, source } = await bytesOf(image, fetchOptions);
  if (bytes.length === 0) throw new VeilError(ErrorCodes.BAD_INPUT, 'The image is empty (0 bytes): send the bytes of an image file.');
  if (bytes.length > maxBytes) {
    throw new VeilError(ErrorCodes.TOO_LARGE, `The image is ${bytes.length} bytes, more than this gateway accepts (${maxBytes}).`);
  }
  const mime = sniffMime(bytes);
  if (!isSupportedMime(mime)) {
    throw new VeilError(
      ErrorCodes.UNSUPPORTED_FORMAT,
      mime
        ? `${mime} images are not supported: convert it to JPEG, PNG, WebP, GIF, BMP or AVIF.`
        : 'These bytes are not an image the gateway can read (no JPEG, PNG, WebP, GIF, BMP or AVIF signature). Check the file is an image.',
    );
  }
  const notes: string[] = [];
  const declaredType = declared?.split(';')[0]?.trim().toLowerCase();
  if (declaredType && declaredType !== mime && declaredType !== 'application/octet-stream') {
    notes.push(`The input says it is ${declaredType} but its bytes are ${mime}; it was read as ${mime}.`);
  }
  const [sha256, pixels] = await Promise.all([sha256Hex(bytes), decodeImage(bytes, mime)]);
  return {
    bytes,
    info: { type, source, size_bytes: bytes.length, sha256, mime, width: pixels.width, height: pixels.height },
    pixels,
    notes,
  };
}
