/**
 * The detector worker: decoding, preprocessing, inference, postprocessing and the
 * policy all run here, one call at a time, in the order the page made them.
 */
import { expose } from 'comlink';
import { abortedError, ErrorCodes, toVeilError, VeilError } from '../errors.js';
import type { ModelProgress, ResolvedOptions } from '../options.js';
import { applyPolicy, type Policy, type Verdict } from '../policy.js';
import { buildResult, round4 } from '../nudenet/build-result.js';
import { sha256Hex } from '../image/sha256.js';
import type { AnimationInfo, LocalRuntime, ModerationResult } from '../result.js';
import { registerErrorTransfer } from './error-transfer.js';
import { createCache, type Cache } from '../cache.js';
import { readInput } from './read-input.js';
import { forgetModel, loadModel } from './model-store.js';
import { decodeDetections, type NudeNetDetection } from '../nudenet/detections.js';
import { rowsToRead, toInputTensor } from '../nudenet/letterbox.js';
import type { WorkerInfo, WorkerApi, WorkerInput } from './protocol.js';
import { createSession, type DetectorSession } from './session.js';

/** What the cache keeps: NudeNet's detections (the policy is re-applied) and, for an animation, how it was scanned. */
interface Remembered {
  raw: NudeNetDetection[];
  animation?: AnimationInfo;
}

/** Everything the worker holds once `init` has loaded the model: one object, set once, changed in place. */
interface State {
  session: DetectorSession;
  info: WorkerInfo;
  policy: Policy;
  limits: ResolvedOptions['limits'];
  /** Reused input tensor: calls run one at a time, so one buffer serves them all. */
  tensor: Float32Array;
  /** NudeNet's detections by model and SHA-256: the policy is re-applied, so setPolicy still counts. */
  cache: Cache<Remembered> | null;
  /** The model's identity in cache keys: its URL, or the hash of bytes handed in. */
  modelKey: string;
  /** On WebGPU, what rebuilds the session on WASM if the GPU fails (device lost, out of GPU memory); null once used. */
  wasmFallback: { model: Uint8Array; options: ResolvedOptions } | null;
}

let state: State | null = null;

/** Calls waiting or running, so `cancel` can find them; ids come from the page. */
const pending = new Map<number, { input: WorkerInput; cancelled: boolean }>();
let queue: Promise<unknown> = Promise.resolve();

function throwIfCancelled(id: number): void {
  if (pending.get(id)?.cancelled) {
    throw abortedError();
  }
}

/** Takes the life lock and never gives it back: the browser frees it when this worker dies. */
function holdLifeLock(name: string | undefined): Promise<void> {
  const locks = (self.navigator as { locks?: { request(name: string, callback: () => Promise<unknown>): Promise<unknown> } }).locks;
  if (!name || !locks) return Promise.resolve();
  return new Promise<void>((held) => {
    void locks.request(name, () => {
      held();
      return new Promise(() => {});
    });
  });
}

async function init(options: ResolvedOptions, onProgress?: (p: ModelProgress) => void): Promise<WorkerInfo> {
  await holdLifeLock(options.lifeLock);
  const report = (p: ModelProgress) => void onProgress?.(p);
  const model = await loadModel(options.model, options.cacheModel, report);
  let session: DetectorSession;
  try {
    session = await createSession(model.bytes, options);
  } catch (error) {
    // A cached copy that does not load must not be served again next time.
    if (model.cached && 'url' in options.model) await forgetModel(options.model.url);
    throw toVeilError(error, ErrorCodes.NO_BACKEND, 'The model could not be started');
  }
  const info: WorkerInfo = {
    provider: session.provider,
    threads: session.threads,
    model: model.name,
    inputSize: session.inputSize,
    modelCached: model.cached,
    notes: session.notes,
  };
  state = {
    session,
    info,
    policy: options.policy,
    limits: options.limits,
    tensor: new Float32Array(3 * session.inputSize * session.inputSize),
    cache: createCache<Remembered>(options.cache),
    modelKey: 'url' in options.model ? options.model.url : `sha256:${await sha256Hex(model.bytes)}`,
    wasmFallback: session.provider === 'webgpu' ? { model: model.bytes, options } : null,
  };
  return info;
}

/**
 * The GPU failed mid-run (device lost, out of GPU memory): rebuild the session on
 * WASM from the kept model bytes, say so in every later result, and go on.
 */
async function fallBackToWasm(current: State, error: unknown): Promise<DetectorSession> {
  const fallback = current.wasmFallback;
  if (!fallback) throw toVeilError(error, ErrorCodes.INFERENCE_FAILED, 'Inference failed');
  const message = error instanceof Error ? error.message : String(error);
  const reason = /device (was )?lost/i.test(message) ? 'the GPU device was lost' : message.slice(0, 160);
  current.wasmFallback = null;
  void current.session.release().catch(() => undefined);
  let rebuilt: DetectorSession;
  try {
    rebuilt = await createSession(fallback.model, { ...fallback.options, providers: ['wasm'] });
  } catch (failure) {
    throw toVeilError(failure, ErrorCodes.INFERENCE_FAILED, `WebGPU failed (${reason}) and WASM could not take over`);
  }
  current.session = rebuilt;
  current.info = {
    ...current.info,
    provider: rebuilt.provider,
    threads: rebuilt.threads,
    notes: [...current.info.notes, `WebGPU failed during inference (${reason}); the model was rebuilt on WASM.`],
  };
  return rebuilt;
}

/** How bad a verdict is, to pick the frame an animation is judged by. */
const severity = (v: Verdict) => ['pass', 'review', 'block'].indexOf(v.decision) * 2 + Math.max(v.categories.porn, v.categories.sexy);

async function run(id: number, input: WorkerInput, queuedAt: number): Promise<ModerationResult> {
  const current = state;
  if (!current) {
    throw new VeilError(ErrorCodes.INTERNAL, 'The detector worker was asked to detect before it was initialised.');
  }
  const { tensor } = current;
  const started = performance.now();
  throwIfCancelled(id);
  const inputSize = current.session.inputSize;
  // A large photo is read only in the rows its shrink to the model's input uses.
  const read = await readInput(input, current.limits, (width, height) => rowsToRead(width, height, inputSize));
  throwIfCancelled(id);
  const key = `${current.modelKey}#${read.info.sha256}`;
  const remembered = await current.cache?.get(key);
  if (remembered) {
    return buildResult({
      raw: remembered.raw,
      policy: current.policy,
      input: read.info,
      elapsedMs: performance.now() - queuedAt,
      notes: [...current.info.notes, ...read.notes, 'Answered from the cache: this image was screened before with the same model.'],
      runtime: runtimeInfo(current.info),
      ...(remembered.animation && { animation: remembered.animation }),
    });
  }

  const spent = { decode: 0, preprocess: 0, inference: 0, postprocess: 0 };
  let mark = performance.now();
  const lap = (stage: keyof typeof spent) => {
    const now = performance.now();
    spent[stage] += now - mark;
    mark = now;
  };
  let best: { raw: NudeNetDetection[]; index: number; severity: number } | null = null;
  let scanned = 0;
  let total = 1;
  for await (const frame of read.frames()) {
    lap('decode');
    throwIfCancelled(id);
    const { box } = toInputTensor(frame.pixels, inputSize, tensor);
    lap('preprocess');
    throwIfCancelled(id);
    let output: Float32Array;
    try {
      output = await current.session.run(tensor);
    } catch (error) {
      if (current.session.provider !== 'webgpu') throw toVeilError(error, ErrorCodes.INFERENCE_FAILED, 'Inference failed');
      output = await (await fallBackToWasm(current, error)).run(tensor);
    }
    lap('inference');
    const raw = decodeDetections(output, box);
    const verdict = applyPolicy(raw, current.policy);
    scanned++;
    total = frame.total;
    if (!best || severity(verdict) > best.severity) best = { raw, index: frame.index, severity: severity(verdict) };
    lap('postprocess');
    // The first blocking frame decides: no need to look further.
    if (verdict.decision === 'block') break;
    throwIfCancelled(id);
    mark = performance.now();
  }
  if (!best) throw new VeilError(ErrorCodes.DECODE_FAILED, 'The image has no frame to scan.');
  const animation = total > 1 ? { frames: total, scanned, decided_by: best.index } : undefined;
  await current.cache?.set(key, { raw: best.raw, ...(animation && { animation }) });

  return buildResult({
    raw: best.raw,
    policy: current.policy,
    input: read.info,
    elapsedMs: performance.now() - queuedAt,
    notes: [...current.info.notes, ...read.notes],
    runtime: runtimeInfo(current.info),
    timings: {
      queue_ms: round4(started - queuedAt),
      decode_ms: round4(spent.decode),
      preprocess_ms: round4(spent.preprocess),
      inference_ms: round4(spent.inference),
      postprocess_ms: round4(spent.postprocess),
    },
    ...(animation && { animation }),
  });
}

const runtimeInfo = (i: WorkerInfo): LocalRuntime => ({
  location: 'local',
  provider: i.provider,
  threads: i.threads,
  model: i.model,
  input_size: i.inputSize,
});

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
    if (state) state.policy = next;
  },
};

// onnxruntime-web's WASM threads may start further copies of this script as
// Emscripten pthread workers; only the detector worker itself serves the page.
if (!self.name.startsWith('em-pthread')) {
  registerErrorTransfer();
  expose(api);
}
