/** The WebGPU adapter, asked for the way both the worker and the auto probe need it. */

/** What Veil reads of a GPUAdapter (the DOM typings of the build may not have WebGPU). */
export interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string; description?: string };
}

type GpuLike = { requestAdapter(): Promise<GpuAdapterLike | null> };

/**
 * How long one adapter request may take. The request is answered by the browser's
 * GPU process; where that process is wedged or restarting, the promise can stay
 * pending for good, and a detector that waited on it would never start. Healthy
 * browsers answer in milliseconds (tens on a first request while the GPU process
 * starts), so waiting longer than this only delays the WASM fallback.
 */
export const ADAPTER_WAIT_MS = 5_000;

/** No answer within ADAPTER_WAIT_MS: WebGPU is treated as unavailable, and the reason says so. */
export const NO_ANSWER = 'no-answer';

/**
 * The adapter; `null` when the browser found none; `undefined` when it has no
 * WebGPU at all; NO_ANSWER when it did not answer within `waitMs`.
 */
export async function requestAdapter(waitMs = ADAPTER_WAIT_MS): Promise<GpuAdapterLike | null | undefined | typeof NO_ANSWER> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const noAnswer = new Promise<typeof NO_ANSWER>((resolve) => (timer = setTimeout(() => resolve(NO_ANSWER), waitMs)));
  // The very first request can come back empty while the browser's GPU process is
  // still starting (seen on a real NVIDIA GPU in headless Chromium): ask once more,
  // at once, since a device without any adapter would pay for a wait on every load.
  const request = () => gpu.requestAdapter().catch(() => null);
  try {
    return await Promise.race([request().then((first) => first ?? request()), noAnswer]);
  } finally {
    clearTimeout(timer);
  }
}
