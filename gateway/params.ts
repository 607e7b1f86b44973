/**
 * The image-nsfw gateway API's request parameters, checked: exactly one image
 * (`image_url`, `image_b64` or an uploaded file), `backend`, and `timeout` in
 * whole seconds from 3 to 60. An empty string (or null) counts as absent, as
 * that API's own examples send `"timeout": ""`.
 *
 * Those examples also send `image_url` beside the literal placeholder
 * `"image_b64": "<image_b64>"`, and are documented to run as printed: so when
 * `image_b64` is not base64 at all, the URL is the image and a note says
 * `image_b64` was ignored. Two fields that could both be an image are still
 * refused (4000): guessing which one the caller meant could screen the wrong
 * image and answer for it.
 */
import { ErrorCodes, VeilError } from '../src/errors.js';
import { backendNames, parseBackend, type RequestedBackend } from './backends.js';
import type { RequestFields, UploadedFile } from './request-body.js';

export const DEFAULT_TIMEOUT_S = 10;
export const MIN_TIMEOUT_S = 3;
export const MAX_TIMEOUT_S = 60;

export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; text: string } | { kind: 'file'; file: UploadedFile };

export interface DetectRequest {
  image: ImageSource;
  backend: RequestedBackend;
  timeoutS: number;
  /** Notes on the request itself (a field ignored), for the result's `notes`. */
  notes: string[];
}

export const IGNORED_B64_NOTE = 'image_b64 was ignored: it is not base64 (a placeholder such as "<image_b64>"?), so the image is the one at image_url.';

/**
 * Whether `image_b64` could be an image: a data URI, or text in the base64
 * alphabet (standard or URL-safe, whitespace allowed), as src/image/base64.ts
 * decodes it. One regular expression pass; nothing is decoded here.
 */
function couldBeImage(text: string): boolean {
  if (/^\s*data:/i.test(text)) return true;
  return /^[\sA-Za-z0-9+/_-]*(=\s*){0,2}$/.test(text);
}

const bad = (message: string) => new VeilError(ErrorCodes.BAD_INPUT, message);

/** A field as a string, or undefined when absent or empty; other types are refused. */
function text(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw bad(`${name} must be a string; got ${Array.isArray(value) ? 'an array' : typeof value}.`);
  return value.trim() === '' ? undefined : value;
}

function timeout(fields: Record<string, unknown>): number {
  const value = fields.timeout;
  if (value === undefined || value === null || value === '') return DEFAULT_TIMEOUT_S;
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(seconds) || seconds < MIN_TIMEOUT_S || seconds > MAX_TIMEOUT_S) {
    throw bad(`timeout must be a whole number of seconds from ${MIN_TIMEOUT_S} to ${MAX_TIMEOUT_S}; got ${JSON.stringify(value).slice(0, 40)}.`);
  }
  return seconds;
}

/** `classifier`: the name of this gateway's classifier, which `backend` may ask for; null without one. */
export function readParams({ fields, file }: RequestFields, classifier: string | null = null): DetectRequest {
  const url = text(fields, 'image_url');
  let b64 = text(fields, 'image_b64');
  const notes: string[] = [];
  if (url && b64 && !couldBeImage(b64)) {
    b64 = undefined;
    notes.push(IGNORED_B64_NOTE);
  }
  const given = [url && 'image_url', b64 && 'image_b64', file && 'a file upload'].filter(Boolean);
  if (given.length === 0) {
    throw bad('No image was given: send image_url or image_b64 (a data URI is fine), or upload a file.');
  }
  if (given.length > 1) {
    throw bad(`Give one image per request; this one has ${given.join(' and ')}.`);
  }
  const backendField = fields.backend;
  if (backendField !== undefined && backendField !== null && typeof backendField !== 'string') {
    throw new VeilError(ErrorCodes.BAD_OPTION, `backend must be a string: ${backendNames(classifier)}.`);
  }
  const image: ImageSource = url ? { kind: 'url', url: url.trim() } : b64 ? { kind: 'base64', text: b64 } : { kind: 'file', file: file! };
  return { image, backend: parseBackend(backendField ?? undefined, classifier), timeoutS: timeout(fields), notes };
}
