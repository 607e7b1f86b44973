/** Reads the device's capabilities for the auto rule; never throws. */
import { MODEL_CACHE } from '../worker/model-store.js';
import { NO_ANSWER, requestAdapter } from '../webgpu-adapter.js';
import type { Capabilities } from './rule.js';

async function webgpuKind(): Promise<Capabilities['webgpu']> {
  const adapter = await requestAdapter();
  if (!adapter || adapter === NO_ANSWER) return 'none';
  const info = adapter.info ?? {};
  const described = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`;
  const software = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || /swiftshader|llvmpipe|software|cpu/i.test(described);
  return software ? 'software' : 'hardware';
}

async function isCached(modelUrl: string | null): Promise<boolean> {
  if (!modelUrl) return true; // bytes handed in: nothing to download
  try {
    const cache = await globalThis.caches?.open(MODEL_CACHE);
    return !!(await cache?.match(modelUrl));
  } catch {
    return false;
  }
}

export async function probeCapabilities(modelUrl: string | null): Promise<Capabilities> {
  const nav = globalThis.navigator as Navigator & { deviceMemory?: number; connection?: { saveData?: boolean } };
  return {
    webgpu: await webgpuKind(),
    cores: nav?.hardwareConcurrency ?? 1,
    memoryGb: typeof nav?.deviceMemory === 'number' ? nav.deviceMemory : null,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    saveData: nav?.connection?.saveData === true,
    modelCached: await isCached(modelUrl),
  };
}
