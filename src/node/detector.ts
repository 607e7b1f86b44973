/**
 * The Node entry's detector: the browser's `createDetector` contract (detect,
 * setPolicy, info, dispose; the same results and error codes) with the models in
 * this process. Calls queue and run one at a time, as they do in the browser's
 * worker, so a result's `queue_ms` means the same thing, and an image sent twice
 * at once is screened once and answered from the cache the second time.
 */
import { createCache } from '../cache.js';
import { bindClassifier } from '../classifier/contract.js';
import { abortedError, disposedError, ErrorCodes, toVeilError } from '../errors.js';
import type { ModelProgress } from '../options.js';
import { resolvePolicy, type PolicyOptions, type PolicyPreset } from '../policy.js';
import { resolveNodeOptions, type NodeDetectorOptions, type NodeModel } from './options.js';
import { loadPeers, type OrtModule } from './peers.js';
import type { NodeDetectInput } from './read-input.js';
import type { NodeModerationResult } from './result.js';
import { detectImage, type NodeState, type Remembered } from './detect-image.js';
import { openSession, readModel, type Bind, type NodeSession } from './session.js';

export interface NodeDetectOptions {
  /** Aborting rejects the call with code 4099 and drops it from the queue. */
  signal?: AbortSignal;
}

/** What a Node detector runs, in the browser's `LocalDetectorInfo` shape. */
export interface NodeDetectorInfo {
  location: 'local';
  mode: 'local';
  provider: 'cpu';
  /** onnxruntime's intra-op threads for each model. */
  threads: number;
  /** NudeNet's path or URL (the classifier's when it runs alone), or `buffer` for bytes. */
  model: string;
  inputSize: number;
  /** Always false: there is no model cache on a server; the file is read once per detector. */
  modelCached: false;
  notes: string[];
  classifier: { name: string; provider: 'cpu'; inputSize: number } | null;
}

export interface NodeDetector {
  /** Screens one image. Calls may overlap: they queue, and each gets its own result. */
  detect(input: NodeDetectInput, options?: NodeDetectOptions): Promise<NodeModerationResult>;
  /** Replaces the policy for later calls. */
  setPolicy(policy: PolicyOptions | PolicyPreset): void;
  readonly info: Readonly<NodeDetectorInfo>;
  /** Releases the models and rejects pending calls with code 4100. Safe to call twice. */
  dispose(): void;
}

async function open(ort: OrtModule, model: NodeModel, what: string, threads: number, report: (p: ModelProgress) => void, bind?: Bind): Promise<NodeSession> {
  const bytes = await readModel(model, what, report);
  return openSession(ort, bytes, { what: `${what} ${model.label}`, threads, ...(bind && { bind }) });
}

/**
 * Starts a detector in this process. Rejects with a VeilError: 4001 for a bad
 * option, 5010 when a model cannot be read or is not the model it should be, 5020
 * when onnxruntime-node or sharp is missing (the sentence says what to install) or
 * cannot run the model.
 */
export async function createDetector(options: NodeDetectorOptions): Promise<NodeDetector> {
  const resolved = resolveNodeOptions(options);
  // Both peers now, so a server missing one learns at start, not at its first upload.
  const { ort } = await loadPeers();
  const report = (progress: ModelProgress) => resolved.onProgress?.(progress);
  const { threads } = resolved;
  const detector = resolved.model ? await open(ort, resolved.model, 'model', threads, report) : null;
  let classifier: NodeState['classifier'] = null;
  if (resolved.classifier) {
    const { description, model } = resolved.classifier;
    try {
      const session = await open(ort, model, `classifier "${description.name}"`, threads, report, (s) => bindClassifier(s, description));
      classifier = { session, description, tensor: new Float32Array(3 * description.inputSize ** 2) };
    } catch (error) {
      // The detector will not start: let go of the session already open.
      await detector?.release();
      throw error;
    }
  }

  const main = detector ?? classifier!.session;
  const mainModel = (resolved.model ?? resolved.classifier!.model).label;
  const info: NodeDetectorInfo = {
    location: 'local',
    mode: 'local',
    provider: 'cpu',
    threads,
    model: mainModel,
    inputSize: main.inputSize,
    modelCached: false,
    notes: [],
    classifier: classifier && { name: classifier.description.name, provider: 'cpu', inputSize: classifier.description.inputSize },
  };
  const state: NodeState = {
    detector: detector && { session: detector, tensor: new Float32Array(3 * detector.inputSize ** 2) },
    classifier,
    runtime: { location: 'local', provider: 'cpu', threads, model: mainModel, input_size: main.inputSize },
    policy: resolved.policy,
    limits: resolved.limits,
    cache: createCache<Remembered>(resolved.cache),
  };

  let queue: Promise<void> = Promise.resolve();
  let disposed = false;
  const pending = new Set<(error: Error) => void>();

  return {
    get info() {
      return { ...info, notes: [...info.notes] };
    },
    setPolicy(policy) {
      state.policy = resolvePolicy(policy);
    },
    detect(input, { signal } = {}) {
      if (disposed) return Promise.reject(disposedError());
      if (signal?.aborted) return Promise.reject(abortedError());
      const queuedAt = performance.now();
      return new Promise<NodeModerationResult>((resolve, reject) => {
        let settled = false;
        const finish = (settle: () => void) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          pending.delete(cancel);
          settle();
        };
        // A cancelled call rejects at once; if it is running, it stops at its next stage.
        const cancel = (error: Error) => finish(() => reject(error));
        const onAbort = () => cancel(abortedError());
        signal?.addEventListener('abort', onAbort, { once: true });
        pending.add(cancel);
        const throwIfCancelled = () => {
          if (disposed) throw disposedError();
          if (signal?.aborted) throw abortedError();
        };
        queue = queue.then(async () => {
          if (settled) return; // aborted or disposed while it waited: it leaves the queue
          try {
            const result = await detectImage(state, input, queuedAt, throwIfCancelled);
            finish(() => resolve(result));
          } catch (error) {
            finish(() => reject(toVeilError(error, ErrorCodes.INTERNAL, 'Screening failed unexpectedly')));
          }
        });
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const cancel of [...pending]) cancel(disposedError());
      // Released once the call running now (if any) has stopped: a session must not go mid-run.
      void queue.then(() => Promise.all([detector?.release(), classifier?.session.release()])).catch(() => undefined);
    },
  };
}
