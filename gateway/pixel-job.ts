/**
 * All the CPU work on one request's image, as a decode worker runs it: base64
 * to bytes, the size limit, the result's `input` block exactly as the browser
 * library fills it (sha256 and size of the file's bytes, mime sniffed from its
 * signature, pixel count from its header), decoding, and the models' tensors. A
 * 10 MB image's base64 alone takes the better part of a second of JavaScript.
 * An animated GIF or WebP is counted here and decoded one sampled frame per job
 * (model-runner.ts asks for the next only while no frame has blocked).
 */
import { ErrorCodes, VeilError } from '../src/errors.js';
import { decodeImageText } from '../src/image/base64.js';
import { type ByteSource, checkImageBytes, scaledNote } from '../src/image/input-info.js';
import { IMAGE_FORMATS, type SupportedMime } from '../src/image/sniff.js';
import type { InputInfo } from '../src/result.js';
import { frameCount, MAX_DECODE_PIXELS, MAX_PIXELS } from '../src/node/decode.js';
import { type ModelTargets, prepareImage, type PreparedImage } from './model-inputs.js';

export interface PixelJob {
  /** The image as it came: base64 or a data URI (decoded here), or bytes. */
  image: { text: string } | { bytes: Uint8Array };
  from: ByteSource;
  maxBytes: number;
  /** The models whose tensors to build; none decodes only to check the image and read its size. */
  targets: ModelTargets;
  /** Stop before decoding: the bytes, `input` block and notes only (what the result cache is looked up by). */
  checkOnly?: boolean;
  /** Decode frame `index` of an animation already checked (its `input` block is `info`): no checks, no bytes back. */
  frame?: { index: number; info: InputInfo };
}

export interface PixelResult {
  /** The file's bytes, for a cloud backend. */
  bytes: Uint8Array;
  /** Width and height after EXIF orientation. */
  info: InputInfo;
  notes: string[];
  /** Null for a `checkOnly` job. */
  prepared: PreparedImage | null;
  /** Frames in the file: more than 1 for an animated GIF or WebP (counted when decoding; 1 for a `checkOnly` job). */
  frames: number;
}

/**
 * Everything an image format allows; the gateway's size limits are its own
 * (`--max-image`) and the library's pixel limit and memory ceiling, so a photo
 * is decoded here at the scale the browser decodes it at.
 */
const GATEWAY_LIMITS = { maxPixels: MAX_PIXELS, maxDecodePixels: MAX_DECODE_PIXELS, formats: IMAGE_FORMATS };

export async function runPixelJob({ image, from, maxBytes, targets, checkOnly, frame }: PixelJob): Promise<PixelResult> {
  if (frame) {
    const prepared = await prepareImage((image as { bytes: Uint8Array }).bytes, frame.info.mime as SupportedMime, targets, MAX_PIXELS, frame.index);
    return { bytes: new Uint8Array(0), info: frame.info, notes: [], prepared, frames: 0 };
  }
  let bytes: Uint8Array;
  let declared = from.declared;
  if ('text' in image) ({ bytes, declaredMime: declared } = decodeImageText(image.text));
  else bytes = image.bytes;
  // Said in the gateway's own terms: its callers set no `limits`, its operator sets the image size.
  if (bytes.length > maxBytes) {
    throw new VeilError(ErrorCodes.TOO_LARGE, `The image is ${bytes.length} bytes, more than this gateway accepts (${maxBytes}).`);
  }
  const { info, notes, divisor } = await checkImageBytes(bytes, { ...from, declared }, { ...GATEWAY_LIMITS, maxBytes });
  if (checkOnly) return { bytes, info, notes, prepared: null, frames: 1 };
  // An animation's frames are each read as one composited page, its first too, as veil-nsfw/node reads them.
  const frames = await frameCount(bytes, info.mime);
  const original = { width: info.width, height: info.height };
  const prepared = await prepareImage(bytes, info.mime, targets, MAX_PIXELS, frames > 1 ? 0 : undefined, { original, divisor });
  if (prepared.decoded) notes.push(scaledNote(prepared.width, prepared.height, prepared.decoded, GATEWAY_LIMITS));
  return { bytes, info: { ...info, width: prepared.width, height: prepared.height }, notes, prepared, frames };
}
