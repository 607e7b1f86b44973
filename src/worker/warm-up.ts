/**
 * Warm-up: screening a small image of its own while the page has nothing to
 * screen, so the user's first image does not pay for what a first run costs.
 *
 * Measured in Chromium (YOLOv8n at 320, WASM, 2 threads, a 640x480 JPEG): the
 * first inference took 476 ms, the second 268, the third 167, then 72-86 ms,
 * while V8 moved the WebAssembly from its baseline compiler to optimised code
 * and onnxruntime sized its arenas; the first decode (ImageDecoder) took 69 ms
 * against 7, the first preprocessing 27 ms against 1.4 (JavaScript not yet
 * optimised). WebGPU compiles its shaders on the first run.
 *
 * Each run goes through the worker's queue like a call from the page, and the
 * warm-up stops as soon as a call is waiting: a real image waits at most for the
 * one warm-up run in progress. It stops too once two runs in a row take about
 * the same time, or after MAX_RUNS.
 */
import type { WorkerInput } from './protocol.js';

/** Runs at most: twice the 4 that V8's tier-up needed on the 2-core machine measured. */
export const MAX_RUNS = 8;
/** Two runs within this ratio of each other: the code is as fast as it will get. */
const STEADY = 1.2;

/** A small JPEG, drawn and encoded here: it takes the same decoder path as a photo. */
async function warmUpJpeg(): Promise<Uint8Array | null> {
  if (typeof OffscreenCanvas !== 'function') return null;
  const canvas = new OffscreenCanvas(96, 72);
  const context = canvas.getContext('2d');
  if (!context) return null;
  const gradient = context.createLinearGradient(0, 0, 96, 72);
  gradient.addColorStop(0, '#c89070');
  gradient.addColorStop(1, '#304050');
  context.fillStyle = gradient;
  context.fillRect(0, 0, 96, 72);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  return new Uint8Array(await blob.arrayBuffer());
}

export interface WarmUpHooks {
  /** Queues one screening of `input` behind whatever the worker is doing, without the result cache; resolves with its inference time. */
  run(input: WorkerInput): Promise<number>;
  /** Whether a call from the page is waiting or running. */
  busy(): boolean;
}

/**
 * The worker's warm-up: each call runs until the code is warm, a page call
 * waits, or MAX_RUNS, and resolves with each run's inference time (ms); it never
 * rejects. Calls while one runs share it; once runs have reached steady times
 * (or MAX_RUNS in one call), later calls return at once with none.
 */
export function createWarmUp(hooks: WarmUpHooks, image: () => Promise<Uint8Array | null> = warmUpJpeg): () => Promise<number[]> {
  let warm = false;
  let running: Promise<number[]> | null = null;

  async function runs(): Promise<number[]> {
    const times: number[] = [];
    try {
      const jpeg = await image();
      while (jpeg && !warm && !hooks.busy()) {
        times.push(await hooks.run({ kind: 'bytes', type: 'bytes', source: 'warm-up', bytes: jpeg }));
        const [previous, last] = times.slice(-2);
        const settled = times.length >= 2 && Math.max(previous!, last!) <= STEADY * Math.min(previous!, last!);
        // Settled, or MAX_RUNS without settling (small times swing with the load): as warm as runs make it.
        warm = settled || times.length === MAX_RUNS;
      }
    } catch {
      // A warm-up that fails costs nothing: the page's first call reports whatever is wrong.
    }
    return times;
  }

  return () => {
    if (warm) return Promise.resolve([]);
    running ??= runs().finally(() => (running = null));
    return running;
  };
}
