/**
 * The detector worker: decoding, preprocessing, inference, postprocessing and the
 * policy all run here, one call at a time, in the order the page made them.
 */
import { expose } from 'comlink';
import { ErrorCodes, toVeilError, VeilError } from '../errors.js';
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

let session: DetectorSession | null = null;
/** Kept to rebuild the session on WASM if the GPU fails (device lost, out of GPU memory). */
let modelBytes: Uint8Array | null = null;
let sessionOptions: ResolvedOptions | null = null;
let policy: Policy | null = null;
let info: WorkerInfo | null = null;
/** Reused input tensor: calls run one at a time, so one buffer serves them all. */
let tensor: Float32Array | null = null;
/** NudeNet's detections by model and SHA-256: the policy is re-applied, so setPolicy still counts. */
let cache: Cache<Remembered> | null = null;
let limits: ResolvedOptions['limits'] | null = null;

/** What the cache keeps: NudeNet's detections (the policy is re-applied) and, for an animation, how it was scanned. */
interface Remembered {
  raw: NudeNetDetection[];
  animation?: AnimationInfo;
}
/** The model's identity in cache keys: its URL, or the hash of bytes handed in. */
let modelKey = '';

/** Calls waiting or running, so `cancel` can find them; ids come from the page. */
const pending = new Map<number, { input: WorkerInput; cancelled: boolean }>();
let queue: Promise<unknown> = Promise.resolve();

function throwIfCancelled(id: number): void {
  if (pending.get(id)?.cancelled) {
    throw new VeilError(ErrorCodes.ABORTED, 'The call was aborted by its AbortSignal.');
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
  try {
    session = await createSession(model.bytes, options);
    if (session.provider === 'webgpu') {
      modelBytes = model.bytes;
      sessionOptions = options;
    }
  } catch (error) {
    // A cached copy that does not load must not be served again next time.
    if (model.cached && 'url' in options.model) await forgetModel(options.model.url);
    throw toVeilError(error, ErrorCodes.NO_BACKEND, 'The model could not be started');
  }
  policy = options.policy;
  cache = createCache<Remembered>(options.cache);
  limits = options.limits;
  modelKey = 'url' in options.model ? options.model.url : `sha256:${await sha256Hex(model.bytes)}`;
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

/**
 * The GPU failed mid-run (device lost, out of GPU memory): rebuild the session on
 * WASM from the kept model bytes, say so in every later result, and go on.
 */
async function fallBackToWasm(error: unknown): Promise<DetectorSession> {
  if (!modelBytes || !sessionOptions || !info) throw toVeilError(error, ErrorCodes.INFERENCE_FAILED, 'Inference failed');
  const message = error instanceof Error ? error.message : String(error);
  const reason = /device (was )?lost/i.test(message) ? 'the GPU device was lost' : message.slice(0, 160);
  const broken = session;
  session = null;
  void broken?.release().catch(() => undefined);
  let rebuilt: DetectorSession;
  try {
    rebuilt = await createSession(modelBytes, { ...sessionOptions, providers: ['wasm'] });
  } catch (failure) {
    throw toVeilError(failure, ErrorCodes.INFERENCE_FAILED, `WebGPU failed (${reason}) and WASM could not take over`);
  }
  session = rebuilt;
  modelBytes = null;
  info = {
    ...info,
    provider: rebuilt.provider,
    threads: rebuilt.threads,
    notes: [...info.notes, `WebGPU failed during inference (${reason}); the model was rebuilt on WASM.`],
  };
  return rebuilt;
}

/** How bad a verdict is, to pick the frame an animation is judged by. */
const severity = (v: Verdict) => ['pass', 'review', 'block'].indexOf(v.decision) * 2 + Math.max(v.categories.porn, v.categories.sexy);

async function run(id: number, input: WorkerInput, queuedAt: number): Promise<ModerationResult> {
  if (!session || !policy || !info || !tensor || !limits) {
    throw new VeilError(ErrorCodes.INTERNAL, 'The detector worker was asked to detect before it was initialised.');
  }
  const started = performance.now();
  throwIfCancelled(id);
  const inputSize = session.inputSize;
  // A large photo is read only in the rows its shrink to the model's input uses.
  const read = await readInput(input, limits, (width, height) => rowsToRead(width, height, inputSize));
  throwIfCancelled(id);
  const key = `${modelKey}#${read.info.sha256}`;
  const remembered = await cache?.get(key);
  if (remembered) {
    return buildResult({
      raw: remembered.raw,
      policy,
      input: read.info,
      elapsedMs: performance.now() - queuedAt,
      notes: [...info.notes, ...read.notes, 'Answered from the cache: this image was screened before with the same model.'],
      runtime: runtimeInfo(info),
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
    const { box } = toInputTensor(frame.pixels, session.inputSize, tensor);
    lap('preprocess');
    throwIfCancelled(id);
    let output: Float32Array;
    try {
      output = await session.run(tensor);
    } catch (error) {
      if (session.provider !== 'webgpu') throw toVeilError(error, ErrorCodes.INFERENCE_FAILED, 'Inference failed');
      output = await (await fallBackToWasm(error)).run(tensor);
    }
    lap('inference');
    const raw = decodeDetections(output, box);
    const verdict = applyPolicy(raw, policy);
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
  await cache?.set(key, { raw: best.raw, ...(animation && { animation }) });

  return buildResult({
    raw: best.raw,
    policy,
    input: read.info,
    elapsedMs: performance.now() - queuedAt,
    notes: [...info.notes, ...read.notes],
    runtime: runtimeInfo(info),
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
    policy = next;
  },
};

// onnxruntime-web's WASM threads may start further copies of this script as
// Emscripten pthread workers; only the detector worker itself serves the page.
if (!self.name.startsWith('em-pthread')) {
  registerErrorTransfer();
  expose(api);
}
