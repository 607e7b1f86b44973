/**
 * Page side of input handling: reduces anything `detect()` accepts to a message
 * the worker can take, doing on the main thread only what needs the page (reading
 * a DOM element, resolving a relative URL). All decoding happens in the worker.
 */
import { decodeImageText, isImageText } from '../image/base64.js';
import { ErrorCodes, VeilError } from '../errors.js';
import type { WorkerInput } from '../worker/protocol.js';
import type { DetectInput } from '../types.js';

export interface PreparedInput {
  message: WorkerInput;
  transfer: Transferable[];
}

/** `instanceof` that is false, not a ReferenceError, where a DOM class does not exist. */
function is<T>(value: unknown, name: string): value is T {
  const ctor = (globalThis as Record<string, unknown>)[name];
  return typeof ctor === 'function' && value instanceof (ctor as abstract new (...args: never[]) => unknown);
}

function describeElement(el: Element): string {
  const id = el.id ? `#${el.id}` : '';
  return `<${el.tagName.toLowerCase()}${id}>`;
}

async function snapshot(
  source: HTMLCanvasElement | HTMLVideoElement | OffscreenCanvas | ImageBitmap,
  type: WorkerInput['type'],
  label: string,
): Promise<PreparedInput> {
  let bitmap: ImageBitmap;
  try {
    // A copy we own and can transfer; the caller's canvas or bitmap stays as it was.
    bitmap = await createImageBitmap(source);
  } catch (error) {
    throw new VeilError(
      ErrorCodes.BAD_INPUT,
      `The ${type} has no pixels to read (${error instanceof Error ? error.message : String(error)}): give it a size, or for a video wait for its 'loadeddata' event.`,
      { cause: error },
    );
  }
  return { message: { kind: 'bitmap', type, source: label, bitmap }, transfer: [bitmap] };
}

/**
 * A paused video that has never shown a frame (loaded but not played, common in
 * background tabs and headless browsers) has nothing to copy; seeking to where it
 * already is makes the browser decode that frame without moving the playhead.
 */
async function videoFrame(video: HTMLVideoElement): Promise<PreparedInput> {
  const label = video.currentSrc || describeElement(video);
  try {
    return await snapshot(video, 'video', label);
  } catch {
    const seeked = new Promise<void>((resolve) => {
      video.addEventListener('seeked', () => resolve(), { once: true });
      setTimeout(resolve, 2000);
    });
    video.currentTime = video.currentTime;
    await seeked;
    return snapshot(video, 'video', label);
  }
}

/** The SVG in a Blob, bytes or data URI input, if that is what it holds. */
async function svgOf(input: DetectInput): Promise<{ blob: Blob; type: WorkerInput['type']; source: string } | null> {
  if (is<Blob>(input, 'Blob')) {
    const file = is<File>(input, 'File');
    return (await isSvg(input)) ? { blob: input, type: file ? 'file' : 'blob', source: file ? input.name : 'blob' } : null;
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const view = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    // Look at the head only: copying every image's bytes to rule SVG out would double the work.
    if (!(await isSvg(new Blob([view.slice(0, 512)])))) return null;
    return { blob: new Blob([view.slice()]), type: 'bytes', source: 'bytes' };
  }
  if (typeof input === 'string' && /^\s*data:image\/svg\+xml[;,]/i.test(input)) {
    const { bytes } = decodeImageText(input);
    return { blob: new Blob([bytes as Uint8Array<ArrayBuffer>]), type: 'base64', source: 'data:image/svg+xml' };
  }
  return null;
}

async function fromImageElement(img: HTMLImageElement): Promise<PreparedInput> {
  if (!img.complete || img.naturalWidth === 0) {
    try {
      await img.decode();
    } catch (error) {
      throw new VeilError(
        ErrorCodes.DECODE_FAILED,
        `The image element ${describeElement(img)} has no loadable image (${img.currentSrc || img.src || 'no src'}).`,
        { cause: error },
      );
    }
  }
  const url = img.currentSrc || img.src;
  // The worker fetches the file itself (normally from the HTTP cache) so the result
  // carries the file's own sha256 and type, and decoding stays off this thread.
  return { message: { kind: 'url', type: 'image', source: url, url }, transfer: [] };
}

function fromString(text: string, baseUrl: string): PreparedInput {
  if (text.trim() === '') throw new VeilError(ErrorCodes.BAD_INPUT, 'The input string is empty: pass an image URL, a data URI or base64.');
  if (isImageText(text)) {
    const source = /^data:/i.test(text.trimStart()) ? (text.slice(0, text.indexOf(',') + 1) || 'data:') : 'base64';
    return { message: { kind: 'text', type: 'base64', source, text }, transfer: [] };
  }
  let url: URL;
  try {
    url = new URL(text, baseUrl);
  } catch {
    throw new VeilError(ErrorCodes.BAD_INPUT, `"${text.slice(0, 80)}" is neither a URL nor base64 of an image.`);
  }
  return { message: { kind: 'url', type: 'url', source: url.href, url: url.href }, transfer: [] };
}

const SVG_HEAD = /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/i;

/** Whether a Blob holds SVG, by its first bytes (a declared type may lie either way). */
async function isSvg(blob: Blob): Promise<boolean> {
  return SVG_HEAD.test(new TextDecoder().decode(await blob.slice(0, 512).arrayBuffer()));
}

/**
 * SVG rasterised as an <img> would show it: an image element runs no script and
 * loads nothing external, which is what makes this safe. Only with limits.allowSvg.
 */
async function rasterizeSvg(blob: Blob, type: WorkerInput['type'], source: string): Promise<PreparedInput> {
  const url = URL.createObjectURL(new Blob([blob], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    return await rasterizeImage(img, type, source);
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function rasterizeImage(img: HTMLImageElement, type: WorkerInput['type'], source: string): Promise<PreparedInput> {
  await img.decode().catch((error: unknown) => {
    throw new VeilError(ErrorCodes.DECODE_FAILED, 'This SVG image could not be rendered: it is malformed.', { cause: error });
  });
  // An SVG without its own size is drawn at 1024 px, a size NudeNet reads well.
  const width = img.naturalWidth || 1024;
  const height = img.naturalHeight || 1024;
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.drawImage(img, 0, 0, width, height);
  const bitmap = canvas.transferToImageBitmap();
  return { message: { kind: 'bitmap', type, source, bitmap }, transfer: [bitmap] };
}

export interface PrepareOptions {
  /** limits.allowSvg: rasterise SVG on the page (workers cannot) instead of refusing it. */
  allowSvg?: boolean;
}

/** Prepares one input for the worker; throws VeilError 4000 for anything it cannot take. */
export async function prepareInput(input: DetectInput, baseUrl: string, options: PrepareOptions = {}): Promise<PreparedInput> {
  if (options.allowSvg) {
    if (is<HTMLImageElement>(input, 'HTMLImageElement') && /^data:image\/svg\+xml|\.svg([?#]|$)/i.test(input.currentSrc || input.src)) {
      return rasterizeImage(input, 'image', input.currentSrc || input.src);
    }
    const svg = await svgOf(input);
    if (svg) return rasterizeSvg(svg.blob, svg.type, svg.source);
  }
  if (typeof input === 'string') return fromString(input, baseUrl);
  if (input instanceof URL) return fromString(input.href, baseUrl);
  if (is<Blob>(input, 'Blob')) {
    const isFile = is<File>(input, 'File');
    return {
      message: { kind: 'blob', type: isFile ? 'file' : 'blob', source: isFile ? input.name : 'blob', blob: input },
      transfer: [],
    };
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    // Copy exactly the viewed bytes: the caller keeps its buffer, and a small view
    // into a large buffer does not send the whole buffer.
    const view = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    const bytes = view.slice();
    return { message: { kind: 'bytes', type: 'bytes', source: 'bytes', bytes }, transfer: [bytes.buffer] };
  }
  if (is<HTMLImageElement>(input, 'HTMLImageElement')) return fromImageElement(input);
  if (is<HTMLCanvasElement>(input, 'HTMLCanvasElement')) return snapshot(input, 'canvas', describeElement(input));
  if (is<HTMLVideoElement>(input, 'HTMLVideoElement')) {
    if (input.readyState < 2) {
      throw new VeilError(ErrorCodes.BAD_INPUT, `The video ${describeElement(input)} has no current frame yet: call detect() after its 'loadeddata' event.`);
    }
    return videoFrame(input);
  }
  if (is<OffscreenCanvas>(input, 'OffscreenCanvas')) return snapshot(input, 'canvas', 'OffscreenCanvas');
  if (is<ImageBitmap>(input, 'ImageBitmap')) return snapshot(input, 'bitmap', 'ImageBitmap');
  if (is<ImageData>(input, 'ImageData')) {
    return { message: { kind: 'imagedata', type: 'imagedata', source: 'ImageData', image: input }, transfer: [] };
  }
  const kind = input === null ? 'null' : typeof input === 'object' ? (input as object).constructor?.name ?? 'object' : typeof input;
  throw new VeilError(
    ErrorCodes.BAD_INPUT,
    `detect() cannot read a ${kind}: pass a File or Blob, bytes, a URL, base64 or a data URI, an <img>, <canvas>, <video>, OffscreenCanvas, ImageBitmap or ImageData.`,
  );
}
