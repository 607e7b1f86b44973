/**
 * preload: starts what a detector needs before the page creates it, so that the
 * runtime and the model are on their way, or here, by the time it does.
 */
import type { DetectorOptions } from './options.js';
import { pageBaseUrl } from './local/base-url.js';

/**
 * Starts the detector's worker, onnxruntime-web's download and compilation, and
 * the models' downloads, now. `createDetector` called later with the same
 * options takes all of that over: nothing is downloaded twice, and its
 * `onProgress` hears the downloads from where they stand. Local mode only; a
 * remote or auto detector loads nothing here. Resolves when the downloads have
 * ended and the runtime has started, and never rejects: `createDetector` reports
 * what went wrong.
 */
export async function preload(options: DetectorOptions): Promise<void> {
  const mode = (options as DetectorOptions | undefined)?.mode;
  if (mode !== undefined && mode !== 'local') return;
  try {
    const [{ resolveDetectorOptions }, { preloadLocal }] = await Promise.all([import('./resolve-options.js'), import('./local/connection.js')]);
    const { local } = resolveDetectorOptions(options, pageBaseUrl());
    if (local) await preloadLocal(local, options);
  } catch {
    // A bad option: createDetector says which.
  }
}
