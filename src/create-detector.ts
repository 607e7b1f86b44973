/**
 * createDetector: the one entry point. It resolves every option once, then
 * builds the detector the mode asks for: local (a worker running NudeNet),
 * remote (a gateway), or auto (local when the device is up to it). Each loads
 * only when asked for, the options' checks too, keeping what every page
 * downloads up front small; the two load side by side.
 */
import type { Detector } from './detector.js';
import type { DetectorOptions } from './options.js';
import type { ResolvedRemote, Routing } from './resolve-options.js';
import { pageBaseUrl } from './local/base-url.js';

/** The module the mode asks for, started before the options are checked so the two downloads overlap. */
function detectorModule(mode: unknown) {
  if (mode === 'remote') return import('./remote/remote-detector.js').then((m) => ({ remote: m }));
  if (mode === 'auto') return import('./auto/auto-detector.js').then((m) => ({ auto: m }));
  return import('./local/local-detector.js').then((m) => ({ local: m }));
}

/**
 * Starts a detector. Rejects with a VeilError: 4001 for a bad option, 5010 when the
 * model cannot be downloaded or is not NudeNet, 5020 when no provider can run it,
 * 5031 when the worker cannot start (in `auto` mode these send images remote instead).
 */
export async function createDetector(options: DetectorOptions): Promise<Detector> {
  const baseUrl = pageBaseUrl();
  const loading = detectorModule((options as DetectorOptions | undefined)?.mode);
  loading.catch(() => undefined); // a bad option is the error to report, not a module left loading
  const { resolveDetectorOptions } = await import('./resolve-options.js');
  const { routing, local } = resolveDetectorOptions(options, baseUrl);
  const remoteRouting = routing as Routing & { remote: ResolvedRemote };
  const module = await loading;
  if (!local) {
    const { RemoteDetector } = 'remote' in module ? module.remote : await import('./remote/remote-detector.js');
    return new RemoteDetector(remoteRouting, baseUrl);
  }
  if (routing.mode === 'auto') {
    const { createAutoDetector } = 'auto' in module ? module.auto : await import('./auto/auto-detector.js');
    return createAutoDetector(remoteRouting, local, options, baseUrl);
  }
  const { createLocalDetector } = 'local' in module ? module.local : await import('./local/local-detector.js');
  return createLocalDetector(local, options);
}
