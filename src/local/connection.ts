/**
 * A connection to a started worker, its model loaded: the thread-count fallback,
 * `preload()`'s worker taken over, and the Web Lock that tells the page when the
 * worker is gone. A worker can die (out of memory, a crash) and comlink would
 * then leave its calls pending forever. Each worker holds a Web Lock for its
 * whole life; the page asks for the same lock and is granted it exactly when the
 * worker is gone.
 */
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { ErrorCodes, isVeilError, VeilError } from '../errors.js';
import type { DetectorOptions } from '../options.js';
import type { LocalOptions } from '../resolve-options.js';
import type { WorkerInfo } from '../types.js';
import { registerErrorTransfer } from '../worker/error-transfer.js';
import { FILES_DID_NOT_LOAD, type WorkerApi } from '../worker/protocol.js';
import { loadFailure, startWorker } from './start-worker.js';

export interface Connection {
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
export async function connect(resolved: LocalOptions, options: DetectorOptions): Promise<Connection> {
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

export async function connectWith(resolved: LocalOptions, options: DetectorOptions): Promise<Connection> {
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
