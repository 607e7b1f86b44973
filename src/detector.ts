/**
 * createDetector: the one entry point. It validates every option first, then
 * builds the detector the mode asks for: local (a worker running NudeNet),
 * remote (a gateway), or auto (local when the device is up to it). Each loads
 * only when asked for, keeping what every page downloads up front small.
 */
import type { DetectInput } from './page/prepare-input.js';
import type { WorkerInfo } from './worker/protocol.js';
import { resolveOptions, resolveRouting, type DetectorOptions, type Mode, type ResolvedRemote, type Routing } from './options.js';
import type { PolicyOptions, PolicyPreset } from './policy.js';
import type { ModerationResult } from './result.js';

export interface DetectOptions {
  /** Aborting rejects the call with code 4099 and drops it from the worker's queue. */
  signal?: AbortSignal;
}

/** A detector running NudeNet in this page's worker. */
export interface LocalDetectorInfo extends WorkerInfo {
  location: 'local';
  mode: Mode;
}

/** A detector asking a remote service. */
export interface RemoteDetectorInfo {
  location: 'remote';
  mode: Mode;
  /** The dialect spoken, e.g. `gateway`. */
  dialect: string;
  /** The service's URL, without its query. */
  endpoint: string;
  /** Why images go remote, in `auto` mode; empty in `remote` mode. */
  notes: string[];
}

export type DetectorInfo = LocalDetectorInfo | RemoteDetectorInfo;

export interface Detector {
  /** Screens one image. Calls may overlap: each gets its own result. */
  detect(input: DetectInput, options?: DetectOptions): Promise<ModerationResult>;
  /** Replaces the policy for later calls. */
  setPolicy(policy: PolicyOptions | PolicyPreset): void;
  /** Where images are screened, and why; in `auto` mode it follows the current route. */
  readonly info: Readonly<DetectorInfo>;
  /** Stops the detector and rejects pending calls with code 4100. Safe to call twice. */
  dispose(): void;
}

/**
 * Starts a detector. Rejects with a VeilError: 4001 for a bad option, 5010 when the
 * model cannot be downloaded or is not NudeNet, 5020 when no provider can run it,
 * 5031 when the worker cannot start (in `auto` mode these send images remote instead).
 */
export async function createDetector(options: DetectorOptions): Promise<Detector> {
  const baseUrl = globalThis.document?.baseURI ?? globalThis.location?.href ?? 'http://localhost/';
  const routing = resolveRouting(options, baseUrl);
  if (routing.mode === 'remote') {
    const { RemoteDetector } = await import('./remote/remote-detector.js');
    return new RemoteDetector(routing as Routing & { remote: ResolvedRemote }, baseUrl);
  }
  const local = resolveOptions(options, baseUrl);
  if (routing.mode === 'auto') {
    const { createAutoDetector } = await import('./auto/auto-detector.js');
    return createAutoDetector(routing as Routing & { remote: ResolvedRemote }, local, options, baseUrl);
  }
  const { createLocalDetector } = await import('./page/local-detector.js');
  return createLocalDetector(local, options);
}
