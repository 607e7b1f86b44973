/**
 * One request's image: its base64, upload or download (fetched here: I/O), then
 * everything else on a decode worker (pixel-job.ts): bytes, the result's `input`
 * block exactly as the browser library fills it, and the models' inputs. With a
 * result cache this goes in two worker jobs, checkImage then decodeChecked, so
 * an image the cache knows is never decoded.
 */
import type { InputInfo } from '../src/result.js';
import { type ModelTargets, NO_TARGETS } from './model-inputs.js';
import { fetchImage, type FetchImageOptions } from './download-image.js';
import type { ModelInput } from './nudenet.js';
import type { ImageSource } from './params.js';
import type { PixelJob, PixelResult } from './pixel-job.js';
import type { PixelPool } from './pixel-pool.js';

export interface LoadedImage {
  /** The file's bytes, for a cloud backend. */
  bytes: Uint8Array;
  info: InputInfo;
  /** NudeNet's tensor, when it was asked for. */
  input: ModelInput | null;
  /** The classifier's tensor, when it was asked for. */
  classifierInput: Float32Array | null;
  notes: string[];
  /** Frames in the file: more than 1 for an animated GIF or WebP, whose first frame the tensors are. */
  frames: number;
}

/** One frame's tensors, as the models take them. */
export type FrameTensors = Pick<LoadedImage, 'input' | 'classifierInput'>;

async function jobOf(image: ImageSource, fetchOptions: FetchImageOptions): Promise<Pick<PixelJob, 'image' | 'from'>> {
  switch (image.kind) {
    case 'base64': {
      const trimmed = image.text.trimStart();
      const source = /^data:/i.test(trimmed) ? trimmed.slice(0, trimmed.indexOf(',') + 1) || 'data:' : 'base64';
      return { image: { text: image.text }, from: { type: 'base64', source: source.slice(0, 200), declared: null } };
    }
    case 'file':
      return { image: { bytes: image.file.bytes }, from: { type: 'file', source: image.file.filename.slice(0, 200), declared: image.file.type || null } };
    case 'url': {
      const { bytes, declaredMime } = await fetchImage(image.url, fetchOptions);
      return { image: { bytes }, from: { type: 'url', source: image.url, declared: declaredMime } };
    }
  }
}

export interface Pixels {
  pool: PixelPool;
  /** The models whose tensors to build from the one decode; none decodes only to check the image and read its size. */
  targets: ModelTargets;
}

/** The tensors a decode worker built, as the models take them. */
function tensorsOf(prepared: PixelResult['prepared']): FrameTensors {
  const input = prepared?.tensor && prepared.box ? { tensor: prepared.tensor, box: prepared.box } : null;
  return { input, classifierInput: prepared?.classifierTensor ?? null };
}

function loaded(bytes: Uint8Array, info: InputInfo, notes: string[], prepared: PixelResult['prepared'], frames: number): LoadedImage {
  return { bytes, info, ...tensorsOf(prepared), notes, frames };
}

/** Frame `index` of an animation loadImage or decodeChecked read: its tensors, from one more worker job. */
export async function loadFrame(image: LoadedImage, index: number, signal: AbortSignal, pixels: Pixels): Promise<FrameTensors> {
  const from = { type: image.info.type, source: image.info.source, declared: null };
  const job = { image: { bytes: image.bytes }, from, maxBytes: image.bytes.length, targets: pixels.targets, frame: { index, info: image.info } };
  return tensorsOf((await pixels.pool.run(job, signal)).prepared);
}

/** Reads, checks and decodes the image in one worker job. */
export async function loadImage(image: ImageSource, maxBytes: number, fetchOptions: FetchImageOptions, pixels: Pixels): Promise<LoadedImage> {
  const job = await jobOf(image, fetchOptions);
  const { bytes, info, notes, prepared, frames } = await pixels.pool.run({ ...job, maxBytes, targets: pixels.targets }, fetchOptions.signal);
  return loaded(bytes, info, notes, prepared, frames);
}

/** An image read and checked, not decoded: its bytes, `input` block (its SHA-256 included) and the notes on it. */
export interface CheckedImage {
  bytes: Uint8Array;
  info: InputInfo;
  notes: string[];
}

/** The first half of loadImage, on a worker (base64 is slow JavaScript): enough to look the result cache up by. */
export async function checkImage(image: ImageSource, maxBytes: number, fetchOptions: FetchImageOptions, pool: PixelPool): Promise<CheckedImage> {
  const job = await jobOf(image, fetchOptions);
  const { bytes, info, notes } = await pool.run({ ...job, maxBytes, targets: NO_TARGETS, checkOnly: true }, fetchOptions.signal);
  return { bytes, info, notes };
}

/** The second half: decodes a checked image for the models; its `input` and notes are the check's. */
export async function decodeChecked(checked: CheckedImage, maxBytes: number, signal: AbortSignal, pixels: Pixels): Promise<LoadedImage> {
  const from = { type: checked.info.type, source: checked.info.source, declared: null };
  const { info, prepared, frames } = await pixels.pool.run({ image: { bytes: checked.bytes }, from, maxBytes, targets: pixels.targets }, signal);
  return loaded(checked.bytes, { ...checked.info, width: info.width, height: info.height }, checked.notes, prepared, frames);
}
