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
import { beginLoad } from './model-store.js';
import { openClassifier, openDetector, type Slot } from './models.js';
import { startRuntime } from './session.js';
import type { WorkerApi, WorkerInput } from './protocol.js';
import type { WorkerInfo } from '../types.js';
import { prepare, detectImage, type Prepared, type Remembered, type State } from './detect-image.js';
import { detectClip } from './detect-clip.js';
import { createWarmUp } from './warm-up.js';

let state: State | null = null;
let warmUp: (() => Promise<number[]>) | null = null;

/** Calls waiting or running, so `cancel` can find them; ids come from the page. */
const pending = new Map<number, { input: WorkerInput; cancelled: boolean; still: boolean }>();
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

const lifeLocks = new Map<string, Promise<void>>();

/** Takes the life lock and never gives it back: the browser frees it when this worker dies. */
function holdLifeLock(name: string | undefined): Promise<void> {
  const locks = (self.navigator as { locks?: { request(name: string, callback: () => Promise<unknown>): Promise<unknown> } }).locks;
  if (!name || !locks) return Promise.resolve();
  const held = lifeLocks.get(name);
  if (held) return held;
  const holding = new Promise<void>((held) => {
    void locks.request(name, () => {
      held();
      return new Promise(() => {});
    });
  });
  lifeLocks.set(name, holding);
  return holding;
}

/**
 * Starts what a detector with these options needs before its sessions are made:
 * the runtime (onnxruntime-web compiles its .wasm while it streams) and the
 * models. The first model downloads beside the runtime; a second one once the
 * first has arrived, while the first one's session is made (measured at
 * 10 Mbit/s, docs/performance.md: all three at once, or the models only after the
 * .wasm, came later to the first decision). Settles when the downloads, and the
 * runtime's start, have.
 */
function begin(options: LocalOptions): Promise<void> {
  const runtime = startRuntime(options);
  let turn: Promise<unknown> | undefined;
  const loads = [options.model, options.classifier?.model]
    .filter((m) => m != null)
    .map((model) => {
      const load = beginLoad(model, options.cacheModel, turn);
      turn = load.catch(() => undefined);
      return load;
    });
  return Promise.allSettled([runtime, ...loads]).then(() => undefined);
}

/** A model's identity in cache keys: its URL, or the hash of bytes handed in. */
const keyOf = async (slot: Slot) => (slot.loaded.name === 'buffer' ? `sha256:${await sha256Hex(slot.loaded.bytes)}` : slot.loaded.name);

async function init(options: LocalOptions, onProgress?: (p: ModelProgress) => void): Promise<WorkerInfo> {
  await holdLifeLock(options.lifeLock);
  void begin(options);
  const report = (p: ModelProgress) => void onProgress?.(p);
  const classifierDescription = options.classifier && describeClassifier(options.classifier.name, options.classifier.description);
  const detector = options.model ? await openDetector(options.model, options, report) : null;
  const classifier = options.classifier ? await openClassifier(options.classifier.model, classifierDescription!, options, report) : null;
  // What a result's `runtime` names: NudeNet when it runs, else the classifier.
  const main = (detector ?? classifier)!;
  const info: WorkerInfo = {
    provider: main.session.provider,
    runtimeBuild: main.session.build,
    threads: main.session.threads,
    model: main.loaded.name,
    inputSize: main.session.inputSize,
    modelCached: (detector?.loaded.cached ?? true) && (classifier?.loaded.cached ?? true),
    notes: [...new Set([...(detector?.session.notes ?? []), ...(classifier?.session.notes ?? [])])],
    classifier: classifier && { name: classifier.description.name, provider: classifier.session.provider, runtimeBuild: classifier.session.build, inputSize: classifier.description.inputSize },
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

/**
 * The next image, read, hashed and its decoding begun while the call before it
 * runs: the browser decodes on its own threads (ImageDecoder) while this
 * worker's thread runs the models. One call ahead at most, by id.
 */
const ahead = new Map<number, Promise<Prepared>>();

/** Begins preparing the first waiting image call after `current`, unless one is prepared already. */
function prepareNext(current: number): void {
  if (!state || ahead.size > 0) return;
  for (const [id, call] of pending) {
    // Ids grow in the order the page made its calls; one that ended may not have left the map yet.
    if (id <= current || call.cancelled || !call.still) continue;
    const prepared = prepare(state, call.input);
    prepared.catch(() => undefined); // thrown again in its turn
    ahead.set(id, prepared);
    return;
  }
}

/** Drops what was prepared for a call that will not take it. */
function dropAhead(id: number): void {
  const prepared = ahead.get(id);
  if (!prepared) return;
  ahead.delete(id);
  void prepared.then((p) => p.discard(), () => undefined);
}

/** Runs calls one at a time, in the order the page made them; `cancel` marks one to stop at its next stage. */
function enqueue<T>(
  id: number,
  input: WorkerInput,
  run: (state: State, queuedAt: number, throwIfCancelled: () => void, prepared: Promise<Prepared> | undefined) => Promise<T>,
  still = false,
): Promise<T> {
  const queuedAt = performance.now();
  pending.set(id, { input, cancelled: false, still });
  return inTurn(() => {
    if (!state) throw new VeilError(ErrorCodes.INTERNAL, 'The detector worker was asked to detect before it was initialised.');
    const prepared = ahead.get(id);
    ahead.delete(id);
    prepareNext(id);
    return run(state, queuedAt, () => throwIfCancelled(id), prepared);
  })
    .catch((error: unknown) => {
      throw toVeilError(error, ErrorCodes.INTERNAL, 'Veil failed unexpectedly while screening the image');
    })
    .finally(() => {
      pending.delete(id);
      dropAhead(id);
      if (input.kind === 'bitmap') input.bitmap.close();
    });
}

const api: WorkerApi = {
  init,
  hold: holdLifeLock,
  preload: begin,
  detect(id, input) {
    return enqueue(id, input, (current, queuedAt, cancelled, prepared) => detectImage(current, input, queuedAt, cancelled, { prepared }), true);
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
    dropAhead(id);
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
