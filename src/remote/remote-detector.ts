/**
 * The remote path: reads the image in the page, asks the service through its
 * dialect within the timeout, and completes the gateway-shaped result, so a
 * caller cannot tell it from a local one except by `runtime.location`.
 *
 * An animated GIF or WebP is sent as it is; when the service does not say that
 * it judged the animation's frames (Veil's gateway does, in `animation`) and
 * its answer is not already `block`, the page samples the frames as the worker
 * would (remote-animation.ts) and sends them as stills, one at a time, so a
 * harmless first frame cannot carry an explicit later one past the check.
 */
import { createCache, type Cache } from '../cache.js';
import type { Detector, DetectOptions, DetectorInfo, DetectVideoOptions, VideoInput, WarmUpReport } from '../detector.js';
import { abortedError, disposedError, ErrorCodes, isVeilError, VeilError } from '../errors.js';
import type { DetectInput } from '../types.js';
import type { NudeNetDetection } from '../nudenet/detections.js';
import type { ResolvedRemote, Routing } from '../resolve-options.js';
import { applyPolicy, resolvePolicy, verdictFor, type Policy, type PolicyOptions, type PolicyPreset } from '../policy.js';
import { round4 } from '../nudenet/build-result.js';
import type { InputInfo, ModerationResult, VideoResult } from '../result.js';
import { prepareClip } from '../video/input.js';
import { resolveVideoPlan } from '../video/plan.js';
import type { Dialect, RemoteImage, RemoteVerdict } from './dialect.js';
import { dialectByName } from './dialects/index.js';

/** Codes worth asking again for: the service was down, busy, rate-limiting or out of time. */
const TRANSIENT = new Set<string>([ErrorCodes.REMOTE_UNREACHABLE, ErrorCodes.RATE_LIMITED, ErrorCodes.BUSY, ErrorCodes.TIMED_OUT]);
import { readForRemote } from './read-for-remote.js';

const endpointLabel = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

function isNudeNetList(value: unknown): value is NudeNetDetection[] {
  return Array.isArray(value) && value.every((d) => typeof d?.class === 'string' && typeof d?.score === 'number' && Array.isArray(d?.box));
}

/** The service's verdict completed into a result, under this detector's policy. */
export function completeResult(verdict: RemoteVerdict, local: InputInfo, policy: Policy, elapsedMs: number, runtime: ModerationResult['runtime'], notes: string[]): ModerationResult {
  // Where the service sent NudeNet's own detections, the caller's policy decides, as it would locally.
  const nudenet = verdict.raw.nudenet;
  const own = isNudeNetList(nudenet) ? applyPolicy(nudenet, policy) : null;
  const policyVerdict = own ?? verdictFor(verdict.categories, policy);
  const categories = own ? own.categories : verdict.categories;
  const label = own ? own.label : (verdict.label ?? policyVerdict.label);
  const remote = verdict.input ?? {};
  return {
    code: 200,
    desc: 'success',
    backend: verdict.backend,
    elapsed_ms: Math.round(elapsedMs),
    input: {
      ...local,
      // What only the service could see: dimensions of an image sent by URL, or one whose header we could not read.
      width: local.width || Number(remote.width) || 0,
      height: local.height || Number(remote.height) || 0,
      ...(local.sha256 === '' && typeof remote.sha256 === 'string' && { sha256: remote.sha256, size_bytes: Number(remote.size_bytes) || 0, mime: remote.mime ?? null }),
    },
    decision: own ? own.decision : (verdict.decision ?? policyVerdict.decision),
    label,
    score: round4(own ? own.score : (verdict.score ?? categories[label])),
    categories: { porn: round4(categories.porn), sexy: round4(categories.sexy), normal: round4(categories.normal) },
    detections: verdict.detections ?? [],
    raw: verdict.raw,
    notes: [...notes, ...(verdict.notes ?? [])],
    tips: verdict.tips ?? '',
    ...(runtime && { runtime }),
    ...(verdict.animation && { animation: verdict.animation }),
  };
}

/** Why an image goes remote, and a last check before it leaves the page. */
export interface RemoteRoute {
  reason: string;
  beforeSend?: (info: InputInfo) => Promise<void>;
}

export class RemoteDetector implements Detector {
  readonly #remote: ResolvedRemote;
  readonly #dialect: Dialect;
  readonly #cache: Cache<{ verdict: RemoteVerdict; input: InputInfo }> | null;
  /** Calls in flight by image, so two identical images at once are sent once. */
  readonly #inflight = new Map<string, Promise<RemoteVerdict>>();
  readonly #baseUrl: string;
  readonly #limits: Routing['limits'];
  /** Each pending call's way to fail now, for dispose(). */
  readonly #pending = new Set<(error: VeilError) => void>();
  readonly #controllers = new Set<AbortController>();
  #policy: Policy;
  #disposed = false;
  readonly info: DetectorInfo;

  constructor(routing: Routing & { remote: ResolvedRemote }, baseUrl: string) {
    this.#remote = routing.remote;
    const dialect = typeof routing.remote.dialect === 'string' ? dialectByName(routing.remote.dialect) : routing.remote.dialect;
    if (!dialect) throw new VeilError(ErrorCodes.BAD_OPTION, `Unknown dialect "${String(routing.remote.dialect)}".`);
    this.#dialect = dialect;
    this.#policy = routing.policy;
    this.#cache = createCache(routing.cache);
    this.#baseUrl = baseUrl;
    this.#limits = routing.limits;
    this.info = { location: 'remote', mode: routing.mode, dialect: dialect.name, endpoint: endpointLabel(routing.remote.endpoint), notes: [] };
  }

  detect(input: DetectInput, options: DetectOptions = {}): Promise<ModerationResult> {
    return this.screen(input, options, { reason: 'The detector is in remote mode.' });
  }

  detectVideo(input: VideoInput, options: DetectVideoOptions = {}): Promise<VideoResult> {
    return this.detectClip(input, options, { reason: 'The detector is in remote mode.' });
  }

  /**
   * Screens a clip's sampled frames remotely, as JPEG images, one at a time until
   * one reaches `stopAt`; `route.beforeSend` is asked once, for the clip.
   */
  async detectClip(input: VideoInput, options: DetectVideoOptions, { reason, beforeSend }: RemoteRoute): Promise<VideoResult> {
    if (this.#disposed) throw disposedError();
    const { signal } = options;
    if (signal?.aborted) throw abortedError();
    const plan = resolveVideoPlan(options);
    const clip = prepareClip(input, this.#baseUrl);
    const { screenClipRemotely } = await import('./remote-video.js');
    return screenClipRemotely({
      clip,
      plan,
      limits: this.#limits,
      signal,
      onFrame: options.onFrame,
      ...(beforeSend && { beforeSend }),
      screenFrame: (jpeg) => this.screen(jpeg, { ...(signal && { signal }) }, { reason }),
    });
  }

  /**
   * Screens remotely for a detector that routes here (auto mode): `route.reason`
   * says why (shown in `notes` and `runtime.reason`), and `route.beforeSend` may
   * refuse once the image is read and checked, before anything leaves the page.
   */
  screen(input: DetectInput, options: DetectOptions, route: RemoteRoute): Promise<ModerationResult> {
    if (this.#disposed) return Promise.reject(disposedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError());
    return new Promise<ModerationResult>((resolve, reject) => {
      const fail = (error: VeilError) => {
        done();
        reject(error);
      };
      const onAbort = () => fail(abortedError());
      const done = () => {
        this.#pending.delete(fail);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#pending.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#screen(input, route).then(
        (result) => {
          if (!this.#pending.has(fail)) return; // aborted or disposed meanwhile
          done();
          resolve(result);
        },
        (error: unknown) => {
          if (this.#pending.has(fail)) fail(isVeilError(error) ? error : new VeilError(ErrorCodes.REMOTE_FAILED, String(error)));
        },
      );
    });
  }

  async #screen(input: DetectInput, route: RemoteRoute): Promise<ModerationResult> {
    const { result, image } = await this.#screenFile(input, route);
    // What the service judged is final when it blocked, or when it says how it judged the animation.
    if (!image.bytes || result.decision === 'block' || result.animation) return result;
    const mime = image.info.mime;
    if (mime !== 'image/gif' && mime !== 'image/webp') return result;
    const { screenFramesRemotely } = await import('./remote-animation.js');
    return screenFramesRemotely(image.bytes, mime, result, this.#limits.maxFrames, async (png) => (await this.#screenFile(png, { reason: route.reason })).result);
  }

  async #screenFile(input: DetectInput, { reason, beforeSend }: RemoteRoute): Promise<{ result: ModerationResult; image: RemoteImage }> {
    const started = performance.now();
    const notes = [reason];
    const image = await readForRemote(input, this.#baseUrl, this.#limits, notes);
    // Keyed by origin and path: a key in the URL's query (?apikey=) must not be written to IndexedDB.
    const key = image.info.sha256 ? `${endpointLabel(this.#remote.endpoint)}#${this.#dialect.name}#${image.info.sha256}` : '';
    const remembered = key ? await this.#cache?.get(key) : undefined;
    if (remembered) {
      notes.push('Answered from the cache: this image was screened before by the same service.');
      return { result: this.#complete(remembered.verdict, image.info, started, reason, notes), image };
    }
    await beforeSend?.(image.info);

    // One request per image even when callers ask at once; a caller's abort leaves it running for the others.
    let pending = key ? this.#inflight.get(key) : undefined;
    if (!pending) {
      pending = this.#send(image);
      if (key) {
        this.#inflight.set(key, pending);
        pending
          .then((verdict) => this.#cache?.set(key, { verdict, input: image.info }))
          .catch(() => undefined)
          .finally(() => this.#inflight.delete(key));
      }
    }
    return { result: this.#complete(await pending, image.info, started, reason, notes), image };
  }

  #complete(verdict: RemoteVerdict, info: InputInfo, started: number, reason: string, notes: string[]): ModerationResult {
    const runtime = { location: 'remote' as const, dialect: this.#dialect.name, endpoint: endpointLabel(this.#remote.endpoint), reason };
    return completeResult(verdict, info, this.#policy, performance.now() - started, runtime, notes);
  }

  async #send(image: RemoteImage): Promise<RemoteVerdict> {
    const { timeoutMs } = this.#remote;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `The remote service did not answer within ${timeoutMs} ms (remote.timeoutMs).`)),
      timeoutMs,
    );
    this.#controllers.add(controller);
    const context = {
      endpoint: this.#remote.endpoint,
      apiKey: this.#remote.apiKey,
      headers: this.#remote.headers,
      timeoutMs,
      signal: controller.signal,
      policy: this.#policy,
    };
    try {
      // Screening is idempotent, so a gateway that is briefly down, overloaded or
      // rate-limiting is asked again, with backoff, within the same time budget.
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.#dialect.screen(image, context);
        } catch (error) {
          const transient = isVeilError(error) && TRANSIENT.has(error.code);
          if (!transient || attempt >= RETRIES || controller.signal.aborted) throw error;
          await backoff(attempt, controller.signal);
          if (controller.signal.aborted) throw controller.signal.reason;
        }
      }
    } finally {
      clearTimeout(timer);
      this.#controllers.delete(controller);
    }
  }

  /** Nothing runs here to warm up. */
  async warmUp(): Promise<WarmUpReport> {
    if (this.#disposed) throw disposedError();
    return { inference_ms: [] };
  }

  setPolicy(policy: PolicyOptions | PolicyPreset): void {
    this.#policy = resolvePolicy(policy);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const fail of [...this.#pending]) fail(disposedError());
    for (const controller of this.#controllers) controller.abort(disposedError());
  }
}

/** Tries after the first: two, 300 and 600 ms apart (with jitter), inside remote.timeoutMs. */
const RETRIES = 2;

function backoff(attempt: number, signal: AbortSignal): Promise<void> {
  const ms = 300 * 2 ** attempt * (0.75 + Math.random() * 0.5);
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

