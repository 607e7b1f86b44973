/**
 * A clip's bytes checked under the limits before anything demuxes them: empty
 * and over-size files, and the container told by its first bytes, never by a
 * name or declared type (a JPEG named .mp4 is refused; WebM named .mp4 is read
 * as WebM, with a note). Gives the result's `input` block.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { ByteSource } from '../image/input-info.js';
import { sha256Hex } from '../image/sha256.js';
import { sniffMime } from '../image/sniff.js';
import type { InputLimits } from '../options.js';
import type { InputInfo } from '../result.js';

export type VideoMime = 'video/mp4' | 'video/quicktime' | 'video/webm' | 'video/x-matroska';

const ascii = (bytes: Uint8Array, start: number, text: string) =>
  bytes.length >= start + text.length && [...text].every((ch, i) => bytes[start + i] === ch.charCodeAt(0));

/** Image brands of the ISO base media file format: HEIC and AVIF are images, not clips. */
const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

/** The container the signature of `bytes` says, or null when it is neither MP4/QuickTime nor WebM/Matroska. */
export function sniffVideo(bytes: Uint8Array): VideoMime | null {
  if (ascii(bytes, 4, 'ftyp')) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (IMAGE_BRANDS.has(brand)) return null;
    return brand === 'qt  ' ? 'video/quicktime' : 'video/mp4';
  }
  if (['moov', 'mdat', 'wide', 'free'].some((box) => ascii(bytes, 4, box))) return 'video/quicktime';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    // The EBML header names its document type within its first few dozen bytes.
    const head = String.fromCharCode(...bytes.subarray(0, 64));
    return head.includes('webm') ? 'video/webm' : 'video/x-matroska';
  }
  return null;
}

export interface CheckedClip {
  /** Width and height are 0 until the video track is read. */
  info: InputInfo & { mime: VideoMime };
  notes: string[];
}

const megabytes = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

/** 4004 for a clip over `limits.maxVideoBytes`, checked before a Blob is read. */
export function checkClipSize(size: number, limits: Required<Pick<InputLimits, 'maxVideoBytes'>>): void {
  if (size > limits.maxVideoBytes) {
    throw new VeilError(ErrorCodes.TOO_LARGE, `The clip is ${size} bytes, over the ${megabytes(limits.maxVideoBytes)} limit (limits.maxVideoBytes).`);
  }
}

/** Checks a clip's bytes and describes them; throws VeilError 4000, 4004 or 4050. */
export async function checkClipBytes(bytes: Uint8Array, from: ByteSource, limits: Required<Pick<InputLimits, 'maxVideoBytes'>>): Promise<CheckedClip> {
  if (bytes.length === 0) throw new VeilError(ErrorCodes.BAD_INPUT, 'The clip is empty (0 bytes): pass the file or bytes of a video.');
  checkClipSize(bytes.length, limits);
  const mime = sniffVideo(bytes);
  const declared = from.declared?.split(';')[0]?.trim().toLowerCase() || null;
  if (!mime) {
    const image = sniffMime(bytes);
    const claim = declared && declared !== 'application/octet-stream' ? ` It says it is ${declared}, but that is not what its bytes are.` : '';
    throw new VeilError(
      ErrorCodes.VIDEO_UNSUPPORTED_CONTAINER,
      image
        ? `These bytes are an image (${image}), not a video clip.${claim} Screen images with detect().`
        : `These bytes are not a video Veil can read (no MP4, QuickTime, WebM or Matroska signature).${claim} Check the file is a clip.`,
    );
  }
  const notes: string[] = [];
  if (declared && declared !== mime && declared !== 'application/octet-stream') {
    notes.push(`The input says it is ${declared} but its bytes are ${mime}; it was read as ${mime}.`);
  }
  const info = { type: from.type, source: from.source, size_bytes: bytes.length, sha256: await sha256Hex(bytes), mime, width: 0, height: 0 };
  return { info, notes };
}
