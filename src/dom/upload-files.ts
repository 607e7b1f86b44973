/**
 * What a screened upload is (an image, or a video clip): its states, why Veil
 * refuses a file, and the sentences a person sees or hears about it.
 */
import { ErrorCodes, type LimitDetail, type VeilError } from '../errors.js';
import type { ModerationResult } from '../result.js';

/** What an input, a form or a drop zone says as a whole, in `data-veil`. */
export type ScreenState = 'scanning' | 'pass' | 'review' | 'block';
/**
 * One file's state: `refused` when Veil's rules refuse it (a format it does not
 * read, such as SVG, HEIC or TIFF, or a video it cannot decode; over the size
 * limits; not an image where the input takes only images), `error` when it could
 * not be checked, `skipped` when it is neither an image nor a video and the input
 * takes other files too.
 */
export type FileState = ScreenState | 'refused' | 'error' | 'skipped';

/** Why a file was refused. */
export type RefusedReason = 'format' | 'size' | 'not-an-image';

export interface ScreenedFile {
  file: File;
  /** The file input holding it; null for files dropped on a zone without one. */
  input: HTMLInputElement | null;
  state: FileState;
  result?: ModerationResult;
  error?: VeilError;
  /** Why a `refused` file was refused. */
  reason?: RefusedReason;
}

export interface ScreenMessages {
  /** The validation message shown when the form is submitted with blocked files; `entries` has their results (a clip's says at which second it blocked). */
  blocked(files: File[], entries?: ScreenedFile[]): string;
  /** The validation message for a refused file, saying why; `error` is Veil's (its `limit` says which size limit and by how much). */
  refused(file: File, reason: RefusedReason, error?: VeilError): string;
  /** The validation message while files are still being checked (see `holdWhileScanning`). */
  scanning(files: File[]): string;
  /** What screen readers hear when a file's check ends. */
  announce(entry: ScreenedFile): string;
}

/** Whether a file is a clip: by the result it got, else by its declared type. */
const isClip = (file: File, entry?: ScreenedFile) => !!entry?.result?.video || file.type.startsWith('video/');

/** A time in a clip as a player shows it: `0:02`, `1:05`, `1:02:03`. */
export function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

/** Where in a clip its verdict was decided: `at 0:02`; empty for an image. */
const when = (entry?: ScreenedFile) => (entry?.result?.video ? `at ${clock(entry.result.video.decided_at_s)}` : '');

/** Megabytes to a tenth, rounded up for the file and down for the limit, so a file over it never reads as equal. */
const mb = (bytes: number, round: (x: number) => number) => `${round((bytes / 2 ** 20) * 10) / 10} MB`;
const mp = (pixels: number) => `${Math.round(pixels / 1e6)} megapixels`;
/** What a camera's own settings can do about a photo too large: its standard resolution makes smaller files. */
const CAMERA = "take the photo at your camera's standard resolution (12 to 50 megapixels)";

/**
 * Why an image is over a size limit, in words a person at a form can act on:
 * the photo came from their camera, so they are told what to change there or
 * how to save it, not to "send a smaller image".
 */
function tooLarge({ limit, value, max, mime }: LimitDetail): string | null {
  if (limit === 'maxBytes') return `it is ${mb(value, Math.ceil)}, and files up to ${mb(max, Math.floor)} can be checked here. To send it, ${CAMERA}, or share a smaller copy of it.`;
  if (limit === 'maxPixels') return `it is ${mp(value)}, and photos up to ${mp(max)} can be checked here. To send it, ${CAMERA}, or share a smaller copy of it.`;
  if (limit === 'maxDecodePixels' && mime && mime !== 'image/jpeg') {
    const format = mime.replace('image/', '').toUpperCase();
    return `a ${format} of ${mp(value)} is too large to check on this device (up to ${mp(max)}; larger photos only as JPEG). Save it as a JPEG, or as a smaller copy.`;
  }
  return null;
}

export const DEFAULT_MESSAGES: ScreenMessages = {
  blocked: (files, entries = []) => {
    const entryOf = (file: File) => entries.find((e) => e.file === file);
    const clips = files.filter((f) => isClip(f, entryOf(f)));
    const one = files.length === 1;
    // Each clip says where: “beach.webm” (at 0:02).
    const names = files.map((f) => `“${f.name}”${when(entryOf(f)) ? ` (${when(entryOf(f))})` : ''}`).join(', ');
    const another = clips.length === files.length ? 'video' : clips.length ? 'file' : 'image';
    return `${names} cannot be uploaded: ${one ? 'it appears' : 'they appear'} to contain nudity. Remove ${one ? 'it' : 'them'} or choose another ${another}.`;
  },
  refused: (file, reason, error) => {
    const clip = isClip(file);
    return `“${file.name}” cannot be uploaded: ${
      {
        format: clip
          ? 'this kind of video cannot be checked here. Choose a WebM or MP4 video.'
          : 'this kind of image is not accepted here. Choose a JPEG, PNG, WebP, GIF, BMP or AVIF image.',
        size: (!clip && error?.limit && tooLarge(error.limit)) || `it is too large to be checked. Choose a smaller ${clip ? 'video' : 'image'}.`,
        'not-an-image': 'it is not an image. Choose a JPEG, PNG, WebP, GIF, BMP or AVIF image.',
      }[reason]
    }`;
  },
  scanning: (files) => `Your ${files.some((f) => isClip(f)) ? 'files are' : 'images are'} still being checked. Try again in a moment.`,
  announce: (entry) => {
    const { file, state } = entry;
    return {
      pass: `${file.name}: checked, fine.`,
      review: `${file.name}: flagged for review${when(entry) ? ` ${when(entry)}` : ''}.`,
      block: `${file.name}: blocked, ${when(entry) ? `${when(entry)} it appears` : 'it appears'} to contain nudity.`,
      error: `${file.name}: could not be checked.`,
      refused: `${file.name}: not accepted.`,
      skipped: `${file.name} is neither an image nor a video and was not checked.`,
      scanning: '',
    }[state];
  },
};

const IMAGE_EXTENSIONS = /^\.(jpe?g|jfif|pjpeg|pjp|png|apng|gif|webp|bmp|avif|svg|heic|heif|tiff?|ico)$/i;

/** Whether an input's `accept` lists only images: then a file that is not one is refused rather than let through. */
export function takesOnlyImages(input: HTMLInputElement | null): boolean {
  const tokens = (input?.accept ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  return tokens.length > 0 && tokens.every((t) => t.toLowerCase().startsWith('image/') || IMAGE_EXTENSIONS.test(t));
}

/** Veil's refusals of the file itself, as opposed to failures to check it. */
export function refusalOf(error: VeilError): RefusedReason | null {
  if (error.code === ErrorCodes.UNSUPPORTED_FORMAT) return 'format';
  // A clip in a container or codec this browser cannot read, or with no picture at all.
  if (error.code === ErrorCodes.VIDEO_UNSUPPORTED_CONTAINER || error.code === ErrorCodes.VIDEO_UNSUPPORTED_CODEC || error.code === ErrorCodes.VIDEO_NO_TRACK) return 'format';
  if (error.code === ErrorCodes.TOO_LARGE) return 'size';
  return null;
}
