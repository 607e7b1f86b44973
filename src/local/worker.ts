/**
 * The detector worker: decoding, preprocessing, inference, postprocessing and the
 * policy all run here, one call at a time, in the order the page made them.
 */
import { expose } from 'comlink';
import { ErrorCodes, toVeilError, VeilError } from '../errors.js';
import type { ModelProgress, ResolvedOptions } from '../options.js';
import type { Policy } from '../policy.js';
import { buildResult, round4 } from '../report.js';
import type { ModerationResult } from '../result.js';
import { registerErrorTransfer } from '../transfer.js';
import { decodeInput } from './decode.js';
import { forgetModel, loadModel } from './model-store.js';
import { decodeDetections } from './postprocess.js';
import { rowsToRead, toInputTensor } from './preprocess.js';
import type { DetectorInfo, WorkerApi, WorkerInput } from './protocol.js';
import { createSession, type DetectorSession } from './session.js';

let session: DetectorSession | null = null;
let policy: Policy | null = null;
let info: DetectorInfo | null = null;
/** Reused input tensor: calls run one at a time, so one buffer serves them all. */
let tensor: Float32Array | null = null;

/** Calls waiting or running, so `cancel` can find them; ids come from the page. */
const pending = new Map<number, { input: WorkerInput; cancelled: boolean }>();
let queue: Promise<unknown> = Promise.resolve();

function throwIfCancelled(id: number): void {
  if (pending.get(id)?.cancelled) {
    throw new VeilError(ErrorCodes.ABORTED, 'The call was aborted by its AbortSignal.');
  }
}

async function init(options: ResolvedOptions, onProgress?: (p: ModelProgress) => void): Promise<DetectorInfo> {
  const report = (p: ModelProgress) => void onProgress?.(p);
  const model = await loadModel(options.model, options.cacheModel, report);
  try {
    session = await createSession(model.bytes, options);
  } catch (error) {
    // A cached copy that does not load must not be served again next time.
    if (model.cached && 'url' in options.model) await forgetModel(options.model.url);
    throw toVeilError(error, ErrorCodes.NO_BACKEND, 'The model could not be started');
  }
  policy = options.policy;
  tensor = new Float32Array(3 * session.inputSize * session.inputSize);
  info = {
    provider: session.provider,
    threads: session.threads,
    model: model.name,
    inputSize: session.inputSize,
    modelCached: model.cached,
    notes: session.notes,
  };
  return info;
}

async function run(id: number, input: WorkerInput, queuedAt: number): Promise<ModerationResult> {
  if (!session || !policy || !info || !tensor) {
    throw new VeilError(ErrorCodes.INTERNAL, 'The detector worker was asked to detect before it was initialised.');
  }
  const started = performance.now();
  throwIfCancelled(id);
  const inputSize = session.inputSize;
  const decoded = await decodeInput(input, (width, height) => rowsToRead(width, height, inputSize));
  throwIfCancelled(id);
  const decodedAt = performance.now();
  const { box } = toInputTensor(decoded.pixels, session.inputSize, tensor);
  throwIfCancelled(id);
  const preprocessedAt = performance.now();
  let output: Float32Array;
  try {
    output = await session.run(tensor);
  } catch (error) {
    throw toVeilError(error, ErrorCodes.INFERENCE_FAILED, 'Inference failed');
  }
  const inferredAt = performance.now();
  const raw = decodeDetections(output, box);
  const done = performance.now();

  return buildResult({
    raw,
    policy,
    input: decoded.info,
    elapsedMs: done - queuedAt,
    notes: [...info.notes, ...decoded.notes],
    runtime: { location: 'local', provider: info.provider, threads: info.threads, model: info.model, input_size: info.inputSize },
    timings: {
      queue_ms: round4(started - queuedAt),
      decode_ms: round4(decodedAt - started),
      preprocess_ms: round4(preprocessedAt - decodedAt),
      inference_ms: round4(inferredAt - preprocessedAt),
      postprocess_ms: round4(performance.now() - inferredAt),
    },
  });
}

const api: WorkerApi = {
  init,
  detect(id, input) {
    const queuedAt = performance.now();
    pending.set(id, { input, cancelled: false });
    const job = queue
      .then(() => run(id, input, queuedAt))
      .catch((error: unknown) => {
        throw toVeilError(error, ErrorCodes.INTERNAL, 'Veil failed unexpectedly while screening the image');
      })
      .finally(() => {
        pending.delete(id);
        if (input.kind === 'bitmap') input.bitmap.close();
      });
    queue = job.catch(() => undefined);
    return job;
  },
  cancel(id) {
    const call = pending.get(id);
    if (!call) return;
    call.cancelled = true;
    // A queued bitmap holds a decoded frame: free it now rather than at its turn.
    if (call.input.kind === 'bitmap') call.input.bitmap.close();
  },
  setPolicy(next) {
    policy = next;
  },
};

// onnxruntime-web's WASM threads may start further copies of this script as
// Emscripten pthread workers; only the detector worker itself serves the page.
if (!self.name.startsWith('em-pthread')) {
  registerErrorTransfer();
  expose(api);
}
