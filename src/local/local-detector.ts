/**
 * The local detector, page side: forwards calls to its worker through comlink
 * (connection.ts starts and watches the worker). Everything heavy happens in the
 * worker. When the worker dies, the next call starts a new one, and calls that
 * were in flight are sent again once (detection is idempotent) or fail with 5031.
 */
import { proxy, transfer } from 'comlink';
import type { Detector, DetectOptions, DetectVideoOptions, LocalDetectorInfo, VideoInput, WarmUpReport } from '../detector.js';
import { abortedError, disposedError, ErrorCodes, isVeilError, VeilError } from '../errors.js';
import { pageBaseUrl } from './base-url.js';
import { prepareInput } from './prepare-input.js';
import type { WorkerInput } from '../worker/protocol.js';
import type { DetectInput } from '../types.js';
import type { DetectorOptions } from '../options.js';
import type { LocalOptions } from '../resolve-options.js';
import { resolvePolicy, type Policy, type PolicyOptions, type PolicyPreset } from '../policy.js';
import type { ModerationResult, VideoFrameResult, VideoResult } from '../result.js';
import { prepareClip } from '../video/input.js';
import { resolveVideoPlan, type VideoPlan } from '../video/plan.js';
import { connect, connectWith, type Connection } from './connection.js';

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

