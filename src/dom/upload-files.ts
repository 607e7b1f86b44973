/**
 * What a screened upload is: its states, why Veil refuses a file, and the
 * sentences a person sees or hears about it.
 */
import { ErrorCodes, type VeilError } from '../errors.js';
import type { ModerationResult } from '../result.js';

/** What an input, a form or a drop zone says as a whole, in `data-veil`. */
export type ScreenState = 'scanning' | 'pass' | 'review' | 'block';
/**
 * One file's state: `refused` when Veil's rules refuse it (a format it does not
 * read, such as SVG, HEIC or TIFF; over the size limits; not an image where the
 * input takes only images), `error` when it could not be checked, `skipped` when
 * it is no image and the input takes other files too.
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
  /** The validation message shown when the form is submitted with blocked files. */
  blocked(files: File[]): string;
  /** The validation message for a refused file, saying why. */
  refused(file: File, reason: RefusedReason): string;
  /** The validation message while files are still being checked (see `holdWhileScanning`). */
  scanning(files: File[]): string;
  /** What screen readers hear when a file's check ends. */
  announce(entry: ScreenedFile): string;
}

const quote = (files: File[]) => files.map((f) => `“${f.name}”`).join(', ');

export const DEFAULT_MESSAGES: ScreenMessages = {
  blocked: (files) =>
    `${quote(files)} cannot be uploaded: ${files.length === 1 ? 'it appears' : 'they appear'} to contain nudity. Remove ${files.length === 1 ? 'it' : 'them'} or choose another image.`,
  refused: (file, reason) =>
    `“${file.name}” cannot be uploaded: ${
      {
        format: 'this kind of image is not accepted here. Choose a JPEG, PNG, WebP, GIF, BMP or AVIF image.',
        size: 'it is too large to be checked. Choose a smaller image.',
        'not-an-image': 'it is not an image. Choose a JPEG, PNG, WebP, GIF, BMP or AVIF image.',
      }[reason]
    }`,
  scanning: () => 'Your images are still being checked. Try again in a moment.',
  announce: ({ file, state }) =>
    ({
      pass: `${file.name}: checked, fine.`,
      review: `${file.name}: flagged for review.`,
      block: `${file.name}: blocked, it appears to contain nudity.`,
      error: `${file.name}: could not be checked.`,
      refused: `${file.name}: not accepted.`,
      skipped: `${file.name} is not an image and was not checked.`,
      scanning: '',
    })[state],
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
  if (error.code === ErrorCodes.TOO_LARGE) return 'size';
  return null;
}
