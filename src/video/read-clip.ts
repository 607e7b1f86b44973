/**
 * A clip read within limits.maxVideoBytes and checked before anything demuxes
 * it: empty and over-size files, and its container by its first bytes (a JPEG
 * named .mp4 is refused; WebM named .mp4 is read as WebM, with a note). Gives
 * the result's `input` block. Runs in the worker for local screening, on the
 * page for remote screening; both load it only when a clip is screened.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { fetchImage } from '../image/fetch-image.js';
import type { ByteSource } from '../image/input-info.js';
import { sha256Hex } from '../image/sha256.js';
import { sniffMime } from '../image/sniff.js';
import type { InputLimits } from '../options.js';
import type { InputInfo } from '../result.js';
import { sniffVideo, type VideoMime } from './container.js';
import type { ClipInput } from './input.js';

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


type Limits = Required<Pick<InputLimits, 'maxVideoBytes' | 'fetchTimeoutMs'>>;

/** Reads a clip's bytes within the limits and checks its container: 4000, 4004, 4005 or 4050. */
export async function readClip(clip: ClipInput, limits: Limits): Promise<CheckedClip & { bytes: Uint8Array }> {
  let bytes: Uint8Array;
  let declared: string | null;
  if (clip.kind === 'blob') {
    checkClipSize(clip.blob.size, limits);
    bytes = new Uint8Array(await clip.blob.arrayBuffer());
    declared = clip.blob.type || null;
  } else if (clip.kind === 'bytes') {
    bytes = clip.bytes;
    declared = null;
  } else {
    ({ bytes, declared } = await fetchImage(clip.url, clip.type, { maxBytes: limits.maxVideoBytes, timeoutMs: limits.fetchTimeoutMs }));
  }
  return { bytes, ...(await checkClipBytes(bytes, { type: clip.type, source: clip.source, declared }, limits)) };
}
