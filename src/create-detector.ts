/**
 * createDetector: the one entry point. It resolves every option once, then
 * builds the detector the mode asks for: local (a worker running NudeNet),
 * remote (a gateway), or auto (local when the device is up to it). Each loads
 * only when asked for, keeping what every page downloads up front small.
 */
import type { Detector } from './detector.js';
import { resolveDetectorOptions, type DetectorOptions, type ResolvedRemote, type Routing } from './options.js';
import { pageBaseUrl } from './page/base-url.js';

/**
 * Starts a detector. Rejects with a VeilError: 4001 for a bad option, 5010 when the
 * model cannot be downloaded or is not NudeNet, 5020 when no provider can run it,
 * 5031 when the worker cannot start (in `auto` mode these send images remote instead).
 */
export async function createDetector(options: DetectorOptions): Promise<Detector> {
  const baseUrl = pageBaseUrl();
  const { routing, local } = resolveDetectorOptions(options, baseUrl);
  const remoteRouting = routing as Routing & { remote: ResolvedRemote };
  if (!local) {
    const { RemoteDetector } = await import('./remote/remote-detector.js');
    return new RemoteDetector(remoteRouting, baseUrl);
  }
  if (routing.mode === 'auto') {
    const { createAutoDetector } = await import('./auto/auto-detector.js');
    return createAutoDetector(remoteRouting, local, options, baseUrl);
  }
  const { createLocalDetector } = await import('./page/local-detector.js');
  return createLocalDetector(local, options);
}
