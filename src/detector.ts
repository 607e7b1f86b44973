/**
 * createDetector: starts the detector worker, loads the model there, and returns
 * a Detector whose `detect()` promises a gateway-shaped result.
 */
import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import { ErrorCodes, isVeilError, VeilError } from './errors.js';
import { prepareInput, type DetectInput } from './input.js';
import type { DetectorInfo, WorkerApi } from './local/protocol.js';
import { resolveOptions, type DetectorOptions } from './options.js';
import { resolvePolicy, type PolicyOptions, type PolicyPreset } from './policy.js';
import type { ModerationResult } from './result.js';
import { registerErrorTransfer } from './transfer.js';

export interface DetectOptions {
  /** Aborting rejects the call with code 4099 and drops it from the worker's queue. */
  signal?: AbortSignal;
}

export interface Detector {
  /** Screens one image. Calls may overlap: they queue in the worker and each gets its own result. */
  detect(input: DetectInput, options?: DetectOptions): Promise<ModerationResult>;
  /** Replaces the policy for later calls. */
  setPolicy(policy: PolicyOptions | PolicyPreset): void;
  /** Which provider, threads and model are in use, and why providers were skipped. */
  readonly info: Readonly<DetectorInfo>;
  /** Stops the worker and rejects pending calls with code 4100. Safe to call twice. */
  dispose(): void;
}

function pageBaseUrl(): string {
  return globalThis.document?.baseURI ?? globalThis.location?.href ?? 'http://localhost/';
}

function startWorker(workerUrl: string | URL | undefined): Worker {
  try {
    // Written out literally so bundlers find the worker and ship it next to this module.
    return workerUrl
      ? new Worker(new URL(workerUrl, pageBaseUrl()), { type: 'module', name: 'veil-detector' })
      : new Worker(new URL('./local/worker.ts', import.meta.url), { type: 'module', name: 'veil-detector' });
  } catch (error) {
    throw new VeilError(
      ErrorCodes.WORKER_FAILED,
      `The detector worker could not be started (${error instanceof Error ? error.message : String(error)}). Serve Veil's worker file from the page's origin or pass \`workerUrl\`.`,
      { cause: error },
    );
  }
}

/** Rejects when the worker script fails to load, which comlink alone would never report. */
function workerFailure(worker: Worker): { promise: Promise<never>; stop(): void } {
  let stop = () => {};
  const promise = new Promise<never>((_, reject) => {
    const onError = (event: ErrorEvent) => {
      event.preventDefault?.();
      reject(
        new VeilError(
          ErrorCodes.WORKER_FAILED,
          `The detector worker stopped: ${event.message || 'its script failed to load'}. Check that Veil's worker and WASM files are served next to the library (or set workerUrl and wasmPaths).`,
        ),
      );
    };
    worker.addEventListener('error', onError);
    stop = () => worker.removeEventListener('error', onError);
  });
  promise.catch(() => undefined);
  return { promise, stop: () => stop() };
}

/**
 * Starts a detector. Rejects with a VeilError: 4001 for a bad option, 5010 when the
 * model cannot be downloaded or is not NudeNet, 5020 when no provider can run it,
 * 5031 when the worker cannot start.
 */
export async function createDetector(options: DetectorOptions): Promise<Detector> {
  const resolved = resolveOptions(options, pageBaseUrl());
  registerErrorTransfer();
  const worker = startWorker(options.workerUrl);
  const remote: Remote<WorkerApi> = wrap<WorkerApi>(worker);
  const failure = workerFailure(worker);

  let info: DetectorInfo;
  try {
    const onProgress = options.onProgress ? proxy(options.onProgress) : undefined;
    info = await Promise.race([remote.init(resolved, onProgress), failure.promise]);
  } catch (error) {
    remote[releaseProxy]();
    worker.terminate();
    throw isVeilError(error) ? error : new VeilError(ErrorCodes.WORKER_FAILED, `The detector could not start: ${String(error)}`);
  } finally {
    failure.stop();
  }
  return new WorkerDetector(worker, remote, Object.freeze({ ...info, notes: [...info.notes] }));
}

class WorkerDetector implements Detector {
  readonly #worker: Worker;
  readonly #remote: Remote<WorkerApi>;
  /** Each pending call's way to fail now, for dispose(). */
  readonly #pending = new Map<number, (error: VeilError) => void>();
  #nextId = 1;
  #disposed = false;
  readonly info: Readonly<DetectorInfo>;

  constructor(worker: Worker, remote: Remote<WorkerApi>, info: Readonly<DetectorInfo>) {
    this.#worker = worker;
    this.#remote = remote;
    this.info = info;
  }

  async detect(input: DetectInput, options: DetectOptions = {}): Promise<ModerationResult> {
    const started = performance.now();
    const { signal } = options;
    if (this.#disposed) throw disposedError();
    if (signal?.aborted) throw abortedError();

    const id = this.#nextId++;
    return new Promise<ModerationResult>((resolve, reject) => {
      const settle = () => {
        this.#pending.delete(id);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: VeilError) => {
        settle();
        reject(error);
      };
      const onAbort = () => {
        fail(abortedError());
        void this.#remote.cancel(id).catch(() => undefined);
      };
      this.#pending.set(id, fail);
      signal?.addEventListener('abort', onAbort, { once: true });

      prepareInput(input, pageBaseUrl())
        .then(({ message, transfer }) => {
          if (!this.#pending.has(id)) {
            if (message.kind === 'bitmap') message.bitmap.close(); // aborted or disposed meanwhile
            return undefined;
          }
          return this.#remote.detect(id, transferList(message, transfer));
        })
        .then(
          (result) => {
            if (!result || !this.#pending.has(id)) return;
            settle();
            result.elapsed_ms = Math.round(performance.now() - started);
            resolve(result);
          },
          (error: unknown) => {
            if (!this.#pending.has(id)) return;
            fail(isVeilError(error) ? error : new VeilError(ErrorCodes.INTERNAL, `Screening failed unexpectedly: ${String(error)}`));
          },
        );
    });
  }

  setPolicy(policy: PolicyOptions | PolicyPreset): void {
    if (this.#disposed) throw disposedError();
    void this.#remote.setPolicy(resolvePolicy(policy));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const fail of [...this.#pending.values()]) fail(disposedError());
    this.#remote[releaseProxy]();
    this.#worker.terminate();
  }
}

function transferList<T>(value: T, transferables: Transferable[]): T {
  return transferables.length ? transfer(value, transferables) : value;
}

const disposedError = () => new VeilError(ErrorCodes.DISPOSED, 'This detector was disposed: create a new one with createDetector().');
const abortedError = () => new VeilError(ErrorCodes.ABORTED, 'The call was aborted by its AbortSignal.');
