/**
 * detectVideo()'s input on the page: reduced to a Blob, bytes or a URL (a
 * <video> gives its currentSrc; a live MediaStream is refused, it is
 * watchVideo's). read-clip.ts reads it.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { VideoInput } from '../detector.js';
import type { WorkerInput } from '../worker/protocol.js';

/** A clip as it crosses to the worker. */
export type ClipInput = Extract<WorkerInput, { kind: 'blob' | 'bytes' | 'url' }>;

const is = <T>(value: unknown, name: string): value is T => {
  const ctor = (globalThis as Record<string, unknown>)[name];
  return typeof ctor === 'function' && value instanceof (ctor as abstract new (...args: never[]) => unknown);
};

function fromUrl(text: string, baseUrl: string, type: ClipInput['type']): ClipInput {
  if (text.trim() === '') throw new VeilError(ErrorCodes.BAD_INPUT, 'The clip URL is empty: pass the URL of a WebM or MP4 file.');
  let url: URL;
  try {
    url = new URL(text, baseUrl);
  } catch {
    throw new VeilError(ErrorCodes.BAD_INPUT, `"${text.slice(0, 80)}" is not a URL of a clip.`);
  }
  return { kind: 'url', type, source: url.href, url: url.href };
}

function fromVideoElement(video: HTMLVideoElement, baseUrl: string): ClipInput {
  const label = `<video${video.id ? `#${video.id}` : ''}>`;
  const object = video.srcObject;
  if (object && is<Blob>(object, 'Blob')) return { kind: 'blob', type: 'video', source: label, blob: object };
  if (object) {
    throw new VeilError(
      ErrorCodes.BAD_INPUT,
      `The video ${label} plays a live stream (srcObject), which has no file to read: use watchVideo() to screen what it shows as it plays.`,
    );
  }
  const src = video.currentSrc || video.src;
  if (!src) throw new VeilError(ErrorCodes.BAD_INPUT, `The video ${label} has no source yet: set its src, or pass the clip's File or URL.`);
  return fromUrl(src, baseUrl, 'video');
}

/** Reduces detectVideo()'s input to something a worker can take; 4000 for anything else. */
export function prepareClip(input: VideoInput, baseUrl: string): ClipInput {
  if (typeof input === 'string') return fromUrl(input, baseUrl, 'url');
  if (input instanceof URL) return fromUrl(input.href, baseUrl, 'url');
  if (is<Blob>(input, 'Blob')) {
    const file = is<File>(input, 'File');
    return { kind: 'blob', type: file ? 'file' : 'blob', source: file ? input.name : 'blob', blob: input };
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const view = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    return { kind: 'bytes', type: 'bytes', source: 'bytes', bytes: view.slice() };
  }
  if (is<HTMLVideoElement>(input, 'HTMLVideoElement')) return fromVideoElement(input, baseUrl);
  const kind = input === null ? 'null' : typeof input === 'object' ? ((input as object).constructor?.name ?? 'object') : typeof input;
  throw new VeilError(ErrorCodes.BAD_INPUT, `detectVideo() cannot read a ${kind}: pass a File or Blob, bytes, a URL, or a <video> playing a file.`);
}
