/**
 * The detector worker: decoding, preprocessing, inference, postprocessing and the
 * policy all run here, one call at a time, in the order the page made them.
 */
import { expose } from 'comlink';
import { describeClassifier } from '../classifier/built-in.js';
import { createCache } from '../cache.js';
import { abortedError, ErrorCodes, toVeilError, VeilError } from '../errors.js';
import { sha256Hex } from '../image/sha256.js';
import { DEFAULT_LIMITS, type ModelProgress } from '../options.js';
import type { LocalOptions } from '../resolve-options.js';
import { registerErrorTransfer } from './error-transfer.js';
import { openClassifier, openDetector, type Slot } from './models.js';
import type { WorkerApi, WorkerInfo, WorkerInput } from './protocol.js';
import { detectImage, type Remembered, type State } from './detect-image.js';
import { detectClip } from './detect-clip.js';
import { createWarmUp } from './warm-up.js';

let state: State | null = null;
let warmUp: (() => Promise<number[]>) | null = null;

/** Calls waiting or running, so `cancel` can find them; ids come from the page. */
const pending = new Map<number, { input: WorkerInput; cancelled: boolean }>();
let queue: Promise<unknown> = Promise.resolve();

/** Puts a job at the back of the queue: jobs run one at a time, in order. */
function inTurn<T>(job: () => Promise<T>): Promise<T> {
  const result = queue.then(job);
  queue = result.catch(() => undefined);
  return result;
}

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

/** A model's identity in cache keys: its URL, or the hash of bytes handed in. */
const keyOf = async (slot: Slot) => (slot.loaded.name === 'buffer' ? `sha256:${await sha256Hex(slot.loaded.bytes)}` : slot.loaded.name);

async function init(options: LocalOptions, onProgress?: (p: ModelProgress) => void): Promise<WorkerInfo> {
  await holdLifeLock(options.lifeLock);
  const report = (p: ModelProgress) => void onProgress?.(p);
  const classifierDescription = options.classifier && describeClassifier(options.classifier.name, options.classifier.description);
  const detector = options.model ? await openDetector(options.model, options, report) : null;
  const classifier = options.classifier ? await openClassifier(options.classifier.model, classifierDescription!, options, report) : null;
  // What a result's `runtime` names: NudeNet when it runs, else the classifier.
  const main = (detector ?? classifier)!;
  const info: WorkerInfo = {
    provider: main.session.provider,
    threads: main.session.threads,
    model: main.loaded.name,
    inputSize: main.session.inputSize,
    modelCached: (detector?.loaded.cached ?? true) && (classifier?.loaded.cached ?? true),
    notes: [...new Set([...(detector?.session.notes ?? []), ...(classifier?.session.notes ?? [])])],
    classifier: classifier && { name: classifier.description.name, provider: classifier.session.provider, inputSize: classifier.description.inputSize },
  };
  const tensorFor = (size: number) => new Float32Array(3 * size * size);
  state = {
    detector: detector && { slot: detector, tensor: tensorFor(detector.session.inputSize) },
    classifier: classifier && { slot: classifier, tensor: tensorFor(classifier.description.inputSize) },
    info,
    policy: options.policy,
    limits: options.limits,
    cache: createCache<Remembered>(options.cache),
    // A photo over the memory ceiling is decoded smaller, so another ceiling can give it another answer.
    modelKey:
      (await Promise.all([detector, classifier].filter((slot) => slot !== null).map(keyOf))).join('+') +
      (options.decode === 'fast' ? ':fast' : '') +
      (options.limits.maxDecodePixels === DEFAULT_LIMITS.maxDecodePixels ? '' : `:ceiling${options.limits.maxDecodePixels}`),
    decode: options.decode,
  };
  const ready = state;
  warmUp = createWarmUp({
    busy: () => pending.size > 0,
    run: (input) => inTurn(() => detectImage(ready, input, performance.now(), () => undefined, { remember: false })).then((r) => r.timings?.inference_ms ?? 0),
  });
  return info;
}

/** Runs calls one at a time, in the order the page made them; `cancel` marks one to stop at its next stage. */
function enqueue<T>(id: number, input: WorkerInput, run: (state: State, queuedAt: number, throwIfCancelled: () => void) => Promise<T>): Promise<T> {
  const queuedAt = performance.now();
  pending.set(id, { input, cancelled: false });
  return inTurn(() => {
    if (!state) throw new VeilError(ErrorCodes.INTERNAL, 'The detector worker was asked to detect before it was initialised.');
    return run(state, queuedAt, () => throwIfCancelled(id));
  })
    .catch((error: unknown) => {
      throw toVeilError(error, ErrorCodes.INTERNAL, 'Veil failed unexpectedly while screening the image');
    })
    .finally(() => {
      pending.delete(id);
      if (input.kind === 'bitmap') input.bitmap.close();
    });
}

const api: WorkerApi = {
  init,
  detect(id, input) {
    return enqueue(id, input, (current, queuedAt, cancelled) => detectImage(current, input, queuedAt, cancelled));
  },
  detectVideo(id, input, plan, onFrame) {
    return enqueue(id, input, (current, queuedAt, cancelled) => detectClip(current, input, plan, onFrame, queuedAt, cancelled));
  },
  warmUp() {
    return warmUp?.() ?? Promise.resolve([]);
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
