/**
 * A decode worker: runs `runPixelJob` (base64, checks, decoding, the canvas
 * alpha round trip, the models' tensors) for the pool in pixel-pool.ts, so
 * loops over megabytes and megapixels never hold the server's event loop. One
 * job at a time.
 */
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { isVeilError } from '../src/errors.js';
import { runPixelJob } from './pixel-job.js';
import type { PixelAnswer } from './pixel-pool.js';

// Each image is decoded once: libvips' operation cache would only keep big buffers alive.
sharp.cache(false);

parentPort!.on('message', async (job) => {
  let answer: PixelAnswer;
  const transfer: ArrayBuffer[] = [];
  try {
    const result = await runPixelJob(job);
    answer = { result };
    transfer.push(result.bytes.buffer as ArrayBuffer);
    if (result.prepared?.tensor) transfer.push(result.prepared.tensor.buffer as ArrayBuffer);
    if (result.prepared?.classifierTensor) transfer.push(result.prepared.classifierTensor.buffer as ArrayBuffer);
  } catch (error) {
    answer = isVeilError(error)
      ? { error: { code: error.code, message: error.message } }
      : { error: { message: error instanceof Error ? (error.stack ?? error.message) : String(error) } };
  }
  parentPort!.postMessage(answer, transfer);
});
