/**
 * One request's image: its base64, upload or download (fetched here: I/O), then
 * everything else on a decode worker (pixel-job.ts): bytes, the result's `input`
 * block exactly as the browser library fills it, and the models' inputs.
 */
import type { InputInfo } from '../src/result.js';
import type { ModelTargets } from './decode.js';
import { fetchImage, type FetchImageOptions } from './fetch-image.js';
import type { ModelInput } from './nudenet.js';
import type { ImageSource } from './params.js';
import type { PixelJob } from './pixel-job.js';
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
}

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

/** `targets`: the models whose tensors to build from the one decode; none decodes only to check the image and read its size. */
export async function loadImage(
  image: ImageSource,
  maxBytes: number,
  fetchOptions: FetchImageOptions,
  pixels: { pool: PixelPool; targets: ModelTargets },
): Promise<LoadedImage> {
  const job = await jobOf(image, fetchOptions);
  const { bytes, info, notes, prepared } = await pixels.pool.run({ ...job, maxBytes, targets: pixels.targets }, fetchOptions.signal);
  const input = prepared.tensor && prepared.box ? { tensor: prepared.tensor, box: prepared.box } : null;
  return { bytes, info, input, classifierInput: prepared.classifierTensor, notes };
}
