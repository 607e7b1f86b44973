/**
 * What the Node entry's `detect()` accepts, read into bytes and the result's
 * `input` block by the same check the browser's worker runs (image/input-info.ts:
 * size, format by signature, pixel count from the header, sha256), then decoded
 * frame by frame only when no remembered result answers.
 *
 * A string is only ever base64 or a data URI, never a path or a URL: on a server a
 * string usually comes from a request, and reading or fetching whatever it names
 * would let a caller probe the server's files and network. A file is passed as a
 * `file:` URL (or its bytes); http(s) images are fetched by the caller, who knows
 * which addresses are safe to fetch (the gateway has an address policy for that).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, VeilError } from '../errors.js';
import { decodeBase64, decodeImageText } from '../image/base64.js';
import { checkByteCount, checkImageBytes, checkPixels, type ByteSource } from '../image/input-info.js';
import type { Pixels } from '../image/pixels.js';
import type { InputLimits } from '../options.js';
import type { InputInfo } from '../result.js';
import { sampleFrames } from '../worker/animation.js';
import { decodeFrame, decodeImage, frameCount } from './decode.js';
import type { RgbaImage } from './rgba-image.js';

/** Everything the Node entry's `detect()` accepts. */
export type NodeDetectInput = Uint8Array | ArrayBuffer | ArrayBufferView | Blob | string | URL;

/** The rows preprocessing reads of a width x height image, or null for all (only a BMP is read in part here). */
export type RowPlan = (width: number, height: number) => Int32Array | null;

export interface Frame {
  pixels: Pixels;
  /** Its index in the animation (0 for a still image). */
  index: number;
  /** Frames in the animation (1 for a still image). */
  total: number;
}

/** An input read and hashed but not yet decoded, as the worker's `ReadInput`. */
export interface NodeReadInput {
  /** Width and height from the file header until a frame is decoded. */
  info: InputInfo;
  notes: string[];
  frames(): AsyncGenerator<Frame>;
}

type Limits = Required<InputLimits>;

const badInput = (message: string) => new VeilError(ErrorCodes.BAD_INPUT, message);

function fromString(text: string): { bytes: Uint8Array; from: ByteSource } {
  if (text.trim() === '') throw badInput('The input string is empty: pass base64 or a data URI of an image, its bytes, or a file: URL.');
  const trimmed = text.trimStart();
  if (/^data:/i.test(trimmed)) {
    const { bytes, declaredMime } = decodeImageText(text);
    return { bytes, from: { type: 'base64', source: text.slice(0, text.indexOf(',') + 1) || 'data:', declared: declaredMime } };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) {
    throw badInput(
      'veil-nsfw/node reads a string as base64 or a data URI, never as a URL or a path: pass a file as new URL("file:...") or pathToFileURL(path), and fetch http(s) images yourself and pass their bytes.',
    );
  }
  try {
    return { bytes: decodeBase64(text), from: { type: 'base64', source: 'base64', declared: null } };
  } catch {
    throw badInput('The string is not valid base64: pass base64 or a data URI of an image file (veil-nsfw/node never reads a string as a path or URL).');
  }
}

async function fromFileUrl(url: URL, limits: Limits): Promise<{ bytes: Uint8Array; from: ByteSource }> {
  if (url.protocol !== 'file:') {
    throw badInput(
      `veil-nsfw/node does not fetch ${url.protocol} URLs: a server fetching addresses it is handed needs an address policy (the gateway has one). Fetch the image yourself and pass its bytes.`,
    );
  }
  const path = fileURLToPath(url);
  try {
    // The size first, so an over-large file is refused before it is read.
    checkByteCount((await stat(path)).size, limits);
    return { bytes: await readFile(path), from: { type: 'file', source: basename(path), declared: null } };
  } catch (error) {
    if (error instanceof VeilError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new VeilError(ErrorCodes.FETCH_FAILED, `The file ${basename(path)} could not be read (${code}).`, { cause: error });
  }
}

/** The bytes of any input, and where they came from, as the browser's page and worker name it. */
async function bytesOf(input: NodeDetectInput, limits: Limits): Promise<{ bytes: Uint8Array; from: ByteSource }> {
  if (typeof input === 'string') return fromString(input);
  if (input instanceof URL) return fromFileUrl(input, limits);
  if (input instanceof Blob) {
    checkByteCount(input.size, limits);
    const isFile = typeof File === 'function' && input instanceof File;
    return {
      bytes: new Uint8Array(await input.arrayBuffer()),
      from: { type: isFile ? 'file' : 'blob', source: isFile ? (input as File).name : 'blob', declared: input.type || null },
    };
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    // Exactly the viewed bytes: a Buffer is often a slice of a larger pool.
    const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    return { bytes, from: { type: 'bytes', source: 'bytes', declared: null } };
  }
  const kind = input === null ? 'null' : typeof input === 'object' ? ((input as object).constructor?.name ?? 'object') : typeof input;
  throw badInput(`detect() cannot read a ${kind}: pass a Buffer or other bytes, a Blob or File, base64 or a data URI, or a file: URL.`);
}

const pixelsOf = (image: RgbaImage): Pixels => ({
  data: image.data,
  width: image.width,
  height: image.height,
  channels: 4,
  ...(image.rows && { rows: image.rows }),
});

/** Reads and checks any input within the limits; `frames()` decodes it, an animation up to `limits.maxFrames` frames. */
export async function readNodeInput(input: NodeDetectInput, limits: Limits, plan?: RowPlan): Promise<NodeReadInput> {
  const { bytes, from } = await bytesOf(input, limits);
  // No allowSvg here: SVG is refused as any unsupported format, with no advice to allow it.
  const { info, notes } = await checkImageBytes(bytes, from, { maxBytes: limits.maxBytes, maxPixels: limits.maxPixels, formats: limits.formats });
  const { mime } = info;

  async function* frames(): AsyncGenerator<Frame> {
    const total = await frameCount(bytes, mime);
    const indices = total > 1 ? sampleFrames(total, limits.maxFrames) : [0];
    for (const index of indices) {
      const image = total > 1 ? await decodeFrame(bytes, mime, index, limits.maxPixels) : await decodeImage(bytes, mime, limits.maxPixels, plan);
      // The decoded size, whatever the header said, as the worker checks every frame.
      checkPixels(image.width, image.height, limits);
      info.width = image.width;
      info.height = image.height;
      yield { pixels: pixelsOf(image), index, total };
    }
  }

  return { info, notes, frames };
}
