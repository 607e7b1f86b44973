/** The WebGPU adapter, asked for the way both the worker and the auto probe need it. */

/** What Veil reads of a GPUAdapter (the DOM typings of the build may not have WebGPU). */
export interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string; description?: string };
}

type GpuLike = { requestAdapter(): Promise<GpuAdapterLike | null> };

/** The adapter, `null` when the browser found none, or `undefined` when it has no WebGPU at all. */
export async function requestAdapter(): Promise<GpuAdapterLike | null | undefined> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return undefined;
  // The very first request can come back empty while the browser's GPU process is
  // still starting (seen on a real NVIDIA GPU in headless Chromium): ask once more,
  // at once, since a device without any adapter would pay for a wait on every load.
  const request = () => gpu.requestAdapter().catch(() => null);
  return (await request()) ?? (await request());
}
