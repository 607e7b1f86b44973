/**
 * The local detector, page side: starts the worker, loads the model there, and
 * forwards calls through comlink. Everything heavy happens in the worker.
 *
 * A worker can die (out of memory, a crash): comlink would then leave its calls
 * pending forever. Each worker holds a Web Lock for its whole life; the page asks
 * for the same lock and is granted it exactly when the worker is gone. Then the
 * next call starts a new worker, and calls that were in flight are sent again
 * once (screening is idempotent) or fail with 5031.
 */
import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import type { Detector, DetectOptions, DetectVideoOptions, LocalDetectorInfo, VideoInput, WarmUpReport } from '../detector.js';
import { abortedError, disposedError, ErrorCodes, isVeilError, VeilError } from '../errors.js';
import { pageBaseUrl } from './base-url.js';
import { prepareInput } from './prepare-input.js';
import type { WorkerApi, WorkerInput } from '../worker/protocol.js';
import type { DetectInput, WorkerInfo } from '../types.js';
import type { DetectorOptions } from '../options.js';
import type { LocalOptions } from '../resolve-options.js';
import { resolvePolicy, type Policy, type PolicyOptions, type PolicyPreset } from '../policy.js';
import type { ModerationResult, VideoFrameResult, VideoResult } from '../result.js';
import { prepareClip } from '../video/input.js';
import { resolveVideoPlan, type VideoPlan } from '../video/plan.js';
import { registerErrorTransfer } from '../worker/error-transfer.js';
import { FILES_DID_NOT_LOAD } from '../worker/protocol.js';

type ScriptUrlPolicy = { createScriptURL(url: string): unknown };
let scriptUrls: ScriptUrlPolicy | null | undefined;

/**
 * Under Trusted Types (require-trusted-types-for 'script') a worker URL must be a
 * TrustedScriptURL: Veil makes them with a policy named `veil` that only passes
 * same-origin URLs. Allow it in the CSP with `trusted-types veil`.
 */
function trustedScriptUrl(url: string): string {
  if (scriptUrls === undefined) {
    const factory = (globalThis as { trustedTypes?: { createPolicy(name: string, rules: object): ScriptUrlPolicy } }).trustedTypes;
    try {
      scriptUrls =
        factory?.createPolicy('veil', {
          createScriptURL: (value: string) => {
            if (new URL(value, pageBaseUrl()).origin !== new URL(pageBaseUrl()).origin) throw new TypeError(`Veil only starts same-origin workers, not ${value}`);
            return value;
          },
        }) ?? null;
    } catch {
      scriptUrls = null; // the CSP does not allow a policy named veil: the error below says so
    }
  }
  return (scriptUrls ? scriptUrls.createScriptURL(url) : url) as string;
}

/**
 * Veil's own worker. The expression below is the one Vite and webpack look for:
 * a consumer's bundler builds the worker from it, following its imports (comlink,
 * onnxruntime-web and the .wasm files onnxruntime-web names with
 * `new URL(..., import.meta.url)`), and rewrites the URL; unbundled, it is
 * dist/worker.js next to this chunk (`npm run build` turns the source path into
 * that). Keep it literal, with `type: 'module'` inline, or bundlers stop seeing it.
 *
 * Under Trusted Types the URL must go through Veil's policy, but wrapping it would
 * hide the expression from bundlers. So the global Worker is swapped, for this
 * one synchronous call, for a subclass that applies the policy to whatever URL the
 * bundler put there.
 */
function startBundledWorker(started: { url: string }): Worker {
  const Native = globalThis.Worker;
  globalThis.Worker = class extends Native {
    constructor(url: string | URL, options?: WorkerOptions) {
      started.url = new URL(String(url), pageBaseUrl()).href;
      super(trustedScriptUrl(String(url)), options);
    }
  };
  try {
    return new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name: 'veil-detector' });
  } finally {
    globalThis.Worker = Native;
  }
}

/** The worker, and the URL it was started from (as the bundler rewrote it), for the error that names a missing file. */
function startWorker(workerUrl: string | URL | undefined): { worker: Worker; url: string } {
  const started = { url: '' };
  try {
    if (!workerUrl) return { worker: startBundledWorker(started), url: started.url };
    started.url = new URL(workerUrl, pageBaseUrl()).href;
    return { worker: new Worker(trustedScriptUrl(started.url), { type: 'module', name: 'veil-detector' }), url: started.url };
  } catch (error) {
    throw new VeilError(
      ErrorCodes.WORKER_FAILED,
      `The detector worker could not be started (${error instanceof Error ? error.message : String(error)}). Serve Veil's worker file from the page's origin or pass \`workerUrl\`; under Trusted Types, allow the policy with \`trusted-types veil\`.`,
      { cause: error },
    );
  }
}

/** Relative imports in a module's code, as Veil's build and bundlers write them (`from"./x.js"`, `import"./x.js"`). */
const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["']((?:\.{1,2})?\/[^"']+)["']/g;

/**
 * A module worker that fails to load reports an error with no message, whether
 * its own script or a file it imports is missing. So fetch the worker's script
 * and what it imports, in order, and name the first file that does not load.
 */
async function firstMissingFile(workerUrl: string): Promise<{ url: string; status: string; imported: boolean } | null> {
  const queue = [workerUrl];
  const seen = new Set(queue);
  for (let i = 0; i < queue.length && i < 64; i++) {
    const url = queue[i]!;
    let response: Response;
    try {
      response = await fetch(url, { cache: 'no-store' });
    } catch (error) {
      return { url, status: error instanceof Error ? error.message : String(error), imported: i > 0 };
    }
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || /html/i.test(type)) return { url, status: response.ok ? 'an HTML page instead of JavaScript' : `HTTP ${response.status}`, imported: i > 0 };
    for (const [, specifier] of (await response.text()).matchAll(STATIC_IMPORT)) {
      const next = new URL(specifier!, url).href;
      if (!seen.has(next)) seen.add(next), queue.push(next);
    }
  }
  return null;
}

/** Rejects when the worker script fails to load, which comlink alone would never report. */
function loadFailure(worker: Worker, workerUrl: string): { promise: Promise<never>; stop(): void } {
  let stop = () => {};
  const promise = new Promise<never>((_, reject) => {
    const onError = (event: ErrorEvent) => {
      event.preventDefault?.();
      const advice = "serve Veil's worker.js with the files it imports beside it (`npx veil-nsfw assets --out DIR` copies them there) or set workerUrl and wasmPaths.";
      if (event.message) {
        reject(new VeilError(ErrorCodes.WORKER_FAILED, `The detector worker stopped (${event.message}): ${advice}`));
        return;
      }
      const generic = new VeilError(ErrorCodes.WORKER_FAILED, `The detector worker's script failed to load (${workerUrl || 'its URL is unknown'}): ${advice}`);
      void (workerUrl ? firstMissingFile(workerUrl) : Promise.resolve(null)).then(
        (missing) =>
          reject(
            !missing
              ? generic
              : new VeilError(
                  ErrorCodes.WORKER_FAILED,
                  missing.imported
                    ? `The detector worker loaded but a file it imports did not (${missing.url}: ${missing.status}), so ${advice}`
                    : `The detector worker's script did not load (${missing.url}: ${missing.status}), so ${advice}`,
                ),
          ),
        () => reject(generic),
      );
    };
    worker.addEventListener('error', onError);
    stop = () => worker.removeEventListener('error', onError);
  });
  promise.catch(() => undefined);
  return { promise, stop: () => stop() };
}

interface Connection {
  /** The options this worker runs with: `threads` is the count that worked. */
  resolved: LocalOptions;
  worker: Worker;
  remote: Remote<WorkerApi>;
  info: WorkerInfo;
  /** Settles when the worker is gone, for whatever reason. */
  gone: Promise<void>;
  close(): void;
}

/** Runs `task` when the page is next idle (or soon, where requestIdleCallback is missing). */
function whenIdle(task: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(task, { timeout: 2000 });
  else setTimeout(task, 50);
}

type LockManager = { request(name: string, callback: () => Promise<unknown>): Promise<unknown> };
const locks = () => (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;

/** The thread counts tried after `threads` failed: half as many, then one. */
function fewerThreads(threads: number): number[] {
  const half = Math.floor(threads / 2);
  return [...new Set([half, 1])].filter((n) => n >= 1 && n < threads);
}

/**
 * Starts the worker with the thread count asked for; if the WASM session cannot
 * be made with that many threads (a browser that cannot start them from a
 * worker, or not so many), starts a fresh worker with fewer, then with one.
 * A fresh one each time: onnxruntime-web keeps a failed start for the worker's
 * life. Files that did not load fail alike on any count, so they end it at once.
 */
async function connect(resolved: LocalOptions, options: DetectorOptions): Promise<Connection> {
  const retries = resolved.providers.includes('wasm') ? fewerThreads(resolved.threads) : [];
  let threads = resolved.threads;
  const failed: number[] = [];
  let reason = '';
  for (;;) {
    try {
      const connection = await connectWith({ ...resolved, threads }, options);
      if (failed.length > 0) {
        const counts = failed.length === 1 ? `${failed[0]} threads` : `${failed.slice(0, -1).join(', ')} or ${failed.at(-1)} threads`;
        connection.info.notes.push(`WASM runs on ${threads} thread${threads === 1 ? '' : 's'}: its session could not be created with ${counts} (${reason.slice(0, 240)}).`);
      }
      return connection;
    } catch (error) {
      const next = retries.shift();
      if (next === undefined || !isVeilError(error) || error.code !== ErrorCodes.NO_BACKEND || error.message.includes(FILES_DID_NOT_LOAD)) throw error;
      reason = /WASM skipped: creating the session failed \((.*)\)\. /s.exec(error.message)?.[1] ?? error.message;
      failed.push(threads);
      threads = next;
    }
  }
}

/** A worker `preload()` started, and what it was started for; `createDetector` with the same runtime options takes it over. */
interface Preloaded {
  key: string;
  worker: Worker;
  url: string;
  remote: Remote<WorkerApi>;
  /** The Web Lock the worker holds for its life. */
  lock: string;
  /** Settles when its downloads have. */
  done: Promise<void>;
  /** Set as soon as the worker fails or dies: then it is not taken over. */
  failed: boolean;
}
let preloaded: Preloaded | null = null;

/** What a preloaded worker has already started that a detector must share to take it over: the runtime and where it comes from. */
const runtimeKey = (resolved: LocalOptions, options: DetectorOptions) =>
  JSON.stringify([resolved.providers, resolved.threads, resolved.wasmPaths ?? null, options.workerUrl === undefined ? null : String(options.workerUrl)]);

/**
 * Starts a detector's worker now, with its runtime's download and compilation
 * and its models' downloads, for `createDetector` with the same options to take
 * over. Resolves when the downloads have ended; never rejects (createDetector
 * reports what went wrong).
 */
export function preloadLocal(resolved: LocalOptions, options: DetectorOptions): Promise<void> {
  const key = runtimeKey(resolved, options);
  if (preloaded?.key === key) return preloaded.remote.preload(resolved).catch(() => undefined); // the same worker starts any model it has not
  dropPreloaded();
  registerErrorTransfer();
  let started: { worker: Worker; url: string };
  try {
    started = startWorker(options.workerUrl);
  } catch {
    return Promise.resolve();
  }
  const remote = wrap<WorkerApi>(started.worker);
  const failure = loadFailure(started.worker, started.url);
  const entry: Preloaded = { key, ...started, remote, lock: lifeLockName(), done: Promise.resolve(), failed: false };
  started.worker.addEventListener('error', () => (entry.failed = true));
  const manager = locks();
  if (manager) {
    void Promise.race([remote.hold(entry.lock), failure.promise]).then(
      () => manager.request(entry.lock, async () => undefined).then(() => (entry.failed = true)),
      () => undefined,
    );
  }
  entry.done = Promise.race([remote.preload(resolved), failure.promise])
    .catch(() => {
      // A worker that did not start is no use to take over: createDetector starts its own and says why.
      if (preloaded === entry) preloaded = null;
      remote[releaseProxy]();
      started.worker.terminate();
    })
    .finally(failure.stop);
  preloaded = entry;
  return entry.done;
}

/** Lets a preloaded worker that no detector will take over finish its downloads (they fill the caches), then ends it. */
function dropPreloaded(): void {
  const old = preloaded;
  if (!old) return;
  preloaded = null;
  void old.done.then(() => {
    old.remote[releaseProxy]();
    old.worker.terminate();
  });
}

/** The preloaded worker when it was started for this runtime; otherwise one is dropped and null. */
function takePreloaded(resolved: LocalOptions, options: DetectorOptions): Preloaded | null {
  if (!preloaded) return null;
  if (preloaded.failed || preloaded.key !== runtimeKey(resolved, options)) {
    dropPreloaded();
    return null;
  }
  const taken = preloaded;
  preloaded = null;
  return taken;
}

const lifeLockName = () => `veil-worker-${crypto.randomUUID?.() ?? Math.random().toString(36).slice(2)}`;

const STOPPED_STARTING =
  'The detector worker stopped while it was starting, without an error (the browser ended it: out of memory, or it crashed); create the detector again, with fewer threads or a smaller model if it keeps happening.';

async function connectWith(resolved: LocalOptions, options: DetectorOptions): Promise<Connection> {
  registerErrorTransfer();
  const taken = takePreloaded(resolved, options);
  const { worker, url } = taken ?? startWorker(options.workerUrl);
  const remote: Remote<WorkerApi> = taken?.remote ?? wrap<WorkerApi>(worker);
  const failure = loadFailure(worker, url);
  const lock = taken?.lock ?? lifeLockName();
  let info: WorkerInfo;
  let died: Promise<void> = new Promise<void>(() => {});
  try {
    const onProgress = options.onProgress ? proxy(options.onProgress) : undefined;
    // The worker holds its life lock before it starts loading, and the page asks for the
    // same lock from then on: a worker that the browser ends while it loads (which fires
    // no error event) then fails createDetector instead of leaving it pending forever.
    const manager = locks();
    if (manager) {
      await Promise.race([remote.hold(lock), failure.promise]);
      died = manager.request(lock, async () => undefined).then(() => undefined);
    }
    const stopped = died.then(() => {
      throw new VeilError(ErrorCodes.WORKER_FAILED, STOPPED_STARTING);
    });
    stopped.catch(() => undefined);
    info = await Promise.race([remote.init({ ...resolved, lifeLock: manager ? lock : undefined }, onProgress), failure.promise, stopped]);
  } catch (error) {
    remote[releaseProxy]();
    worker.terminate();
    throw isVeilError(error) ? error : new VeilError(ErrorCodes.WORKER_FAILED, `The detector could not start: ${String(error)}`);
  } finally {
    failure.stop();
  }
  // After the page's own first calls, if it makes them at once: the warm-up yields to them.
  // (Once the detector is disposed, the released proxy throws: nothing to warm then.)
  if (resolved.warmUp) whenIdle(() => void Promise.resolve().then(() => remote.warmUp()).catch(() => undefined));
  let closed: () => void = () => {};
  const closedByUs = new Promise<void>((resolve) => (closed = resolve));
  // `died` is granted only once the worker has released its lock, which it holds until it dies.
  return {
    resolved,
    worker,
    remote,
    info,
    gone: Promise.race([died, closedByUs]),
    close() {
      closed();
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}

/** Starts the worker and loads the model in it; `options` gives the callbacks and worker URL. */
export async function createLocalDetector(resolved: LocalOptions, options: DetectorOptions, mode: LocalDetectorInfo['mode'] = 'local'): Promise<Detector> {
  const connection = await connect(resolved, options);
  return new WorkerDetector(connection, resolved, options, mode);
}

interface Call {
  message: WorkerInput | null;
  /** For a clip: how to sample it, and the page's listener. */
  video?: { plan: VideoPlan; onFrame: ((frame: VideoFrameResult) => void) | undefined };
  transfer: Transferable[];
  /** How many workers it has been sent to. */
  attempts: number;
  resolve(result: ModerationResult): void;
  fail(error: VeilError): void;
}

class WorkerDetector implements Detector {
  #connection: Promise<Connection>;
  readonly #resolved: LocalOptions;
  readonly #options: DetectorOptions;
  readonly #pending = new Map<number, Call>();
  #nextId = 1;
  #disposed = false;
  readonly info: Readonly<LocalDetectorInfo>;

  constructor(connection: Connection, resolved: LocalOptions, options: DetectorOptions, mode: LocalDetectorInfo['mode']) {
    this.#connection = Promise.resolve(connection);
    this.#resolved = resolved;
    this.#options = options;
    this.info = Object.freeze({ ...connection.info, notes: [...connection.info.notes], location: 'local', mode });
    this.#watch(connection);
  }

  #watch(connection: Connection): void {
    void connection.gone.then(() => {
      if (this.#disposed) return;
      connection.close();
      // A new worker on the next use; what was in flight on the dead one is sent again once.
      this.#connection = connectWith(connection.resolved, this.#options);
      this.#connection.then(
        (next) => this.#watch(next),
        () => undefined,
      );
      for (const [id, call] of this.#pending) {
        if (call.attempts > 0) this.#send(id, call);
      }
    });
  }

  /** Sends a prepared call to the current worker; a call sent twice already fails instead. */
  #send(id: number, call: Call): void {
    const retryable = call.message && !(call.message.kind === 'bitmap' && call.attempts > 0);
    if (!retryable || call.attempts >= 2) {
      call.fail(
        new VeilError(
          ErrorCodes.WORKER_FAILED,
          call.attempts >= 2
            ? 'The detector worker stopped twice while screening this image (out of memory?): try a smaller image.'
            : 'The detector worker stopped while screening this image, and its pixels went with it: call detect() again.',
        ),
      );
      return;
    }
    call.attempts++;
    const message = call.message!;
    this.#connection.then(
      (connection) => {
        if (!this.#pending.has(id)) return;
        const payload = call.attempts === 1 && call.transfer.length ? transfer(message, call.transfer) : message;
        const { video } = call;
        const sent =
          video && message.kind !== 'bitmap' && message.kind !== 'imagedata' && message.kind !== 'text'
            ? connection.remote.detectVideo(id, message, video.plan, video.onFrame && proxy(video.onFrame))
            : connection.remote.detect(id, payload);
        sent.then(
          (result) => call.resolve(result),
          (error: unknown) => call.fail(isVeilError(error) ? error : new VeilError(ErrorCodes.INTERNAL, `Screening failed unexpectedly: ${String(error)}`)),
        );
      },
      (error: unknown) => call.fail(isVeilError(error) ? error : new VeilError(ErrorCodes.WORKER_FAILED, String(error))),
    );
  }

  detect(input: DetectInput, options: DetectOptions = {}): Promise<ModerationResult> {
    return this.#call(options.signal, undefined, () => prepareInput(input, pageBaseUrl(), { allowSvg: this.#resolved.limits.allowSvg }));
  }

  detectVideo(input: VideoInput, options: DetectVideoOptions = {}): Promise<VideoResult> {
    let plan: VideoPlan;
    try {
      plan = resolveVideoPlan(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const listener = options.onFrame;
    let ended = false;
    let next = 0;
    // The page's listener runs here; whatever it throws is reported, never fails the call. Nothing after the
    // call has ended (aborted, disposed), and no frame twice when a replacement worker scans the clip again.
    const onFrame =
      listener &&
      ((frame: VideoFrameResult) => {
        if (ended || frame.index < next) return;
        next = frame.index + 1;
        void Promise.resolve()
          .then(() => listener(frame))
          .catch(reportError);
      });
    const result = this.#call(options.signal, { plan, onFrame }, async () => ({ message: prepareClip(input, pageBaseUrl()), transfer: [] })) as Promise<VideoResult>;
    const end = () => void (ended = true);
    result.then(end, end);
    return result;
  }

  /** One call through the worker: prepared on the page, sent, sent again once if the worker dies. */
  #call(signal: AbortSignal | undefined, video: Call['video'], prepare: () => Promise<{ message: WorkerInput; transfer: Transferable[] }>): Promise<ModerationResult> {
    const started = performance.now();
    if (this.#disposed) return Promise.reject(disposedError());
    if (signal?.aborted) return Promise.reject(abortedError());

    const id = this.#nextId++;
    return new Promise<ModerationResult>((resolve, reject) => {
      const settle = () => {
        this.#pending.delete(id);
        signal?.removeEventListener('abort', onAbort);
      };
      const call: Call = {
        message: null,
        ...(video && { video }),
        transfer: [],
        attempts: 0,
        resolve: (result) => {
          if (!this.#pending.has(id)) return;
          settle();
          result.elapsed_ms = Math.round(performance.now() - started);
          resolve(result);
        },
        fail: (error) => {
          if (!this.#pending.has(id)) return;
          settle();
          reject(error);
        },
      };
      const onAbort = () => {
        call.fail(abortedError());
        void this.#connection.then((c) => c.remote.cancel(id)).catch(() => undefined);
      };
      this.#pending.set(id, call);
      signal?.addEventListener('abort', onAbort, { once: true });

      prepare().then(
        ({ message, transfer: transferables }) => {
          if (!this.#pending.has(id)) {
            if (message.kind === 'bitmap') message.bitmap.close(); // aborted or disposed meanwhile
            return;
          }
          call.message = message;
          call.transfer = transferables;
          this.#send(id, call);
        },
        (error: unknown) => call.fail(isVeilError(error) ? error : new VeilError(ErrorCodes.BAD_INPUT, String(error))),
      );
    });
  }

  async warmUp(): Promise<WarmUpReport> {
    if (this.#disposed) throw disposedError();
    const connection = await this.#connection;
    // Comlink never answers a call whose worker died or was closed: that ends the warm-up too.
    const ended = connection.gone.then((): never => {
      throw this.#disposed ? disposedError() : new VeilError(ErrorCodes.WORKER_FAILED, 'The detector worker stopped during its warm-up.');
    });
    return { inference_ms: await Promise.race([connection.remote.warmUp(), ended]) };
  }

  setPolicy(policy: PolicyOptions | PolicyPreset): void {
    if (this.#disposed) throw disposedError();
    const resolved: Policy = resolvePolicy(policy);
    this.#resolved.policy = resolved; // a replacement worker starts with it too
    void this.#connection.then((c) => c.remote.setPolicy(resolved)).catch(() => undefined);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const call of [...this.#pending.values()]) call.fail(disposedError());
    void this.#connection.then((c) => c.close()).catch(() => undefined);
  }
}

