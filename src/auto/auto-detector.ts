/**
 * `auto` mode: screens locally when the device is up to it and remotely otherwise,
 * by the rule in rule.ts: first on what the probe finds, then on a measured warm
 * inference, then on any local failure at run time. Every remote result's notes
 * say why it went remote, and `onBeforeRemote` can keep an image from leaving.
 */
import type { Detector, DetectOptions, DetectorInfo, DetectVideoOptions, VideoInput, WarmUpReport } from '../detector.js';
import { ErrorCodes, isVeilError, VeilError, type ErrorCode } from '../errors.js';
import type { DetectInput } from '../types.js';
import { createLocalDetector } from '../local/local-detector.js';
import type { DetectorOptions } from '../options.js';
import type { LocalOptions, ResolvedRemote, Routing } from '../resolve-options.js';
import type { PolicyOptions, PolicyPreset } from '../policy.js';
import type { InputInfo, ModerationResult, VideoResult } from '../result.js';
import { RemoteDetector, type RemoteRoute } from '../remote/remote-detector.js';
import { probeCapabilities } from './probe.js';
import { chooseRoute, type Capabilities, type Route } from './rule.js';

/** Failures of the local machinery, as opposed to a bad input: these send images remote. */
const LOCAL_FAILURES: ReadonlySet<ErrorCode> = new Set([
  ErrorCodes.MODEL_UNAVAILABLE,
  ErrorCodes.NO_BACKEND,
  ErrorCodes.INFERENCE_FAILED,
  ErrorCodes.WORKER_FAILED,
  ErrorCodes.INTERNAL,
]);

const isLocalFailure = (error: unknown): error is VeilError => isVeilError(error) && LOCAL_FAILURES.has(error.code);

/** A small grey frame, different each time so the cache cannot answer for it. */
function plainImage(shade: number): ImageData {
  const data = new Uint8ClampedArray(320 * 240 * 4).fill(shade);
  return new ImageData(data, 320, 240);
}

/** Shades for health checks after a failure: each is new to the result cache for a while. */
const HEALTH_SHADES = Array.from({ length: 100 }, (_, i) => 110 + i);

/**
 * One call once the detector is warm: the first few inferences pay one-time costs
 * (the browser optimising the WebAssembly, shader compilation, allocation) and
 * would make a capable device look several times slower than it is.
 */
async function measureWarmLatency(detector: Detector): Promise<number> {
  await detector.warmUp();
  const started = performance.now();
  await detector.detect(plainImage(101));
  return performance.now() - started;
}

export async function createAutoDetector(
  routing: Routing & { remote: ResolvedRemote },
  local: LocalOptions,
  options: DetectorOptions,
  baseUrl: string,
): Promise<Detector> {
  const remote = new RemoteDetector(routing, baseUrl);
  const model = local.model ?? local.classifier!.model;
  const capabilities = await probeCapabilities('url' in model ? model.url : null);
  const base = { capabilities, maxLocalLatencyMs: routing.maxLocalLatencyMs };
  let route = chooseRoute(base);
  let detector: Detector | null = null;
  if (route.route === 'local') {
    try {
      detector = await createLocalDetector(local, options, 'auto');
      const warmLatencyMs = await measureWarmLatency(detector);
      route = chooseRoute({ ...base, warmLatencyMs });
      if (route.route === 'remote' && routing.allowClassifierOnly && local.model && local.classifier) {
        // Too slow for both models: the classifier alone may still fit the budget.
        detector.dispose();
        detector = await createLocalDetector({ ...local, model: null }, options, 'auto');
        route = chooseRoute({ ...base, warmLatencyMs, classifierLatencyMs: await measureWarmLatency(detector) });
      }
    } catch (error) {
      if (!isLocalFailure(error)) throw error;
      route = chooseRoute({ ...base, localFailure: error.message });
    }
    if (route.route === 'remote') {
      detector?.dispose();
      detector = null;
    }
  }
  return new AutoDetector(detector, remote, route, capabilities, routing.onBeforeRemote);
}

class AutoDetector implements Detector {
  #local: Detector | null;
  readonly #remote: RemoteDetector;
  #route: Route;
  readonly #capabilities: Capabilities;
  readonly #onBeforeRemote: DetectorOptions['onBeforeRemote'];
  #probes = 0;

  constructor(local: Detector | null, remote: RemoteDetector, route: Route, capabilities: Capabilities, onBeforeRemote: DetectorOptions['onBeforeRemote']) {
    this.#local = local;
    this.#remote = remote;
    this.#route = route;
    this.#capabilities = capabilities;
    this.#onBeforeRemote = onBeforeRemote;
  }

  get info(): DetectorInfo {
    const info = this.#local ? this.#local.info : this.#remote.info;
    return { ...info, mode: 'auto', notes: [...info.notes, ...this.#route.reasons] };
  }

  detect(input: DetectInput, options: DetectOptions = {}): Promise<ModerationResult> {
    return this.#routed(
      (local) => local.detect(input, options),
      (route) => this.#remote.screen(input, options, route),
    );
  }

  /** A clip follows the same rule as an image, once for the whole clip: all its frames local, or all remote. */
  detectVideo(input: VideoInput, options: DetectVideoOptions = {}): Promise<VideoResult> {
    return this.#routed(
      (local) => local.detectVideo(input, options),
      (route) => this.#remote.detectClip(input, options, route),
    );
  }

  async #routed<T>(locally: (local: Detector) => Promise<T>, remotely: (route: RemoteRoute) => Promise<T>): Promise<T> {
    const local = this.#local;
    if (local) {
      try {
        return await locally(local);
      } catch (error) {
        if (!isLocalFailure(error) || this.#local !== local) throw error;
        // One input can break the machinery for itself alone (a file that runs the worker
        // out of memory twice): that fails its own call. Only when a plain image fails
        // too is the device at fault, and every later image goes remote.
        if (await this.#stillWorks(local)) throw error;
        if (this.#local !== local) throw error;
        this.#route = chooseRoute({ capabilities: this.#capabilities, maxLocalLatencyMs: 0, localFailure: error.message });
        this.#local = null;
        local.dispose();
      }
    }
    const reason = `Sent to the remote service: ${this.#route.reasons.join(' ')}`;
    return remotely({ reason, beforeSend: (info) => this.#mayLeave(reason, info) });
  }

  /** Whether the local detector still screens a small plain image, one it has not seen (so the cache cannot answer). */
  async #stillWorks(local: Detector): Promise<boolean> {
    return local.detect(plainImage(HEALTH_SHADES[this.#probes++ % HEALTH_SHADES.length]!)).then(
      () => true,
      () => false,
    );
  }

  warmUp(): Promise<WarmUpReport> {
    return this.#local ? this.#local.warmUp() : this.#remote.warmUp();
  }

  async #mayLeave(reason: string, input: InputInfo): Promise<void> {
    if (!this.#onBeforeRemote) return;
    const allowed = await Promise.resolve()
      .then(() => this.#onBeforeRemote!({ reason, endpoint: this.#remote.info.location === 'remote' ? this.#remote.info.endpoint : '', input }))
      .catch(() => false);
    if (allowed !== true) {
      throw new VeilError(ErrorCodes.REMOTE_DECLINED, 'The page declined to send this image to the remote service (onBeforeRemote said no), so it was not screened.');
    }
  }

  setPolicy(policy: PolicyOptions | PolicyPreset): void {
    this.#local?.setPolicy(policy);
    this.#remote.setPolicy(policy);
  }

  dispose(): void {
    this.#local?.dispose();
    this.#remote.dispose();
  }
}
