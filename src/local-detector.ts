/**
 * The local detector, page side: starts the worker, loads the model there, and
 * forwards calls through comlink. Everything heavy happens in the worker.
 */
import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import type { Detector, DetectOptions, LocalDetectorInfo } from './detector.js';
import { ErrorCodes, isVeilError, VeilError } from './errors.js';
import { prepareInput, type DetectInput } from './input.js';
import type { WorkerApi, WorkerInfo } from './local/protocol.js';
import type { DetectorOptions, ResolvedOptions } from './options.js';
import { resolvePolicy, type PolicyOptions, type PolicyPreset } from './policy.js';
import type { ModerationResult } from './result.js';
import { registerErrorTransfer } from './transfer.js';

export function pageBaseUrl(): string {
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

/** Starts the worker and loads the model in it; `options` gives the callbacks and worker URL. */
export async function createLocalDetector(resolved: ResolvedOptions, options: DetectorOptions, mode: LocalDetectorInfo['mode'] = 'local'): Promise<Detector> {
  registerErrorTransfer();
  const worker = startWorker(options.workerUrl);
  const remote: Remote<WorkerApi> = wrap<WorkerApi>(worker);
  const failure = workerFailure(worker);

  let info: WorkerInfo;
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
  return new WorkerDetector(worker, remote, Object.freeze({ ...info, notes: [...info.notes], location: 'local', mode }), resolved.limits.allowSvg);
}

class WorkerDetector implements Detector {
  readonly #worker: Worker;
  readonly #remote: Remote<WorkerApi>;
  /** Each pending call's way to fail now, for dispose(). */
  readonly #pending = new Map<number, (error: VeilError) => void>();
  #nextId = 1;
  readonly #allowSvg: boolean;
  #disposed = false;
  readonly info: Readonly<LocalDetectorInfo>;

  constructor(worker: Worker, remote: Remote<WorkerApi>, info: Readonly<LocalDetectorInfo>, allowSvg: boolean) {
    this.#allowSvg = allowSvg;
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

      prepareInput(input, pageBaseUrl(), { allowSvg: this.#allowSvg })
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
