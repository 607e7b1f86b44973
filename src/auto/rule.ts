/**
 * The "too weak" rule of `auto` mode, as a pure function of what the probe found
 * and what was measured, so it can be tested on any device's numbers.
 */

/** What the page can learn about the device without running the model. */
export interface Capabilities {
  /** `hardware` for a real GPU adapter, `software` for a fallback one (SwiftShader and the like), `none` without WebGPU. */
  webgpu: 'hardware' | 'software' | 'none';
  /** navigator.hardwareConcurrency. */
  cores: number;
  /** navigator.deviceMemory in GB (Chromium only, capped at 8); null where unknown. */
  memoryGb: number | null;
  crossOriginIsolated: boolean;
  /** The user asked to save data (navigator.connection.saveData). */
  saveData: boolean;
  /** The model is already in Cache Storage, so using it downloads nothing. */
  modelCached: boolean;
}

export interface RouteInput {
  capabilities: Capabilities;
  maxLocalLatencyMs: number;
  /** A warm local inference, measured; absent before the model has run. */
  warmLatencyMs?: number;
  /**
   * A warm inference of the whole-image classifier alone, measured when the
   * caller allows it to screen alone (allowClassifierOnly) and the full detector
   * was over the budget.
   */
  classifierLatencyMs?: number;
  /** Why local screening failed at run time, if it did. */
  localFailure?: string;
}

export interface Route {
  /** `classifier`: locally, with the whole-image classifier alone (no part boxes). */
  route: 'local' | 'classifier' | 'remote';
  /** Plain sentences: why this route. */
  reasons: string[];
}

/** Below this, the model (about 12 MB, far more once running) and decoding compete with the page for memory. */
export const MIN_MEMORY_GB = 2;

export function chooseRoute({ capabilities: c, maxLocalLatencyMs, warmLatencyMs, classifierLatencyMs, localFailure }: RouteInput): Route {
  if (localFailure) return { route: 'remote', reasons: [`Local screening failed: ${localFailure}`] };
  if (c.memoryGb !== null && c.memoryGb < MIN_MEMORY_GB) {
    return { route: 'remote', reasons: [`The device reports ${c.memoryGb} GB of memory, under the ${MIN_MEMORY_GB} GB local screening needs.`] };
  }
  if (c.saveData && !c.modelCached) {
    return { route: 'remote', reasons: ['Save-Data is on and the model is not cached: downloading it would cost more than sending images.'] };
  }
  if (c.webgpu !== 'hardware' && c.cores < 2) {
    return { route: 'remote', reasons: [`One CPU core and no hardware WebGPU${c.webgpu === 'software' ? ' (only a software adapter)' : ''}: local inference would stall the device.`] };
  }
  if (warmLatencyMs !== undefined && warmLatencyMs > maxLocalLatencyMs) {
    const slow = `A warm local inference took ${Math.round(warmLatencyMs)} ms, over the ${maxLocalLatencyMs} ms budget (maxLocalLatencyMs)`;
    if (classifierLatencyMs === undefined) return { route: 'remote', reasons: [`${slow}.`] };
    const classifier = `the whole-image classifier alone took ${Math.round(classifierLatencyMs)} ms`;
    return classifierLatencyMs <= maxLocalLatencyMs
      ? { route: 'classifier', reasons: [`${slow}; ${classifier}: screening locally with it, without part boxes.`] }
      : { route: 'remote', reasons: [`${slow}, and ${classifier}.`] };
  }
  const strengths = [
    c.webgpu === 'hardware' ? 'a hardware WebGPU adapter' : `${c.cores} CPU cores${c.crossOriginIsolated ? '' : ' (one WASM thread: the page is not cross-origin isolated)'}`,
    ...(warmLatencyMs !== undefined ? [`a warm inference of ${Math.round(warmLatencyMs)} ms within the ${maxLocalLatencyMs} ms budget`] : []),
  ];
  return { route: 'local', reasons: [`Screening locally: ${strengths.join(', ')}.`] };
}
