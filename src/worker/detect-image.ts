/**
 * One call in the worker: read and hash the input, answer from the cache when
 * this image was screened before, else judge its frames (src/detect-frames.ts:
 * NudeNet and the classifier on each decoded frame, the policy's verdict) and
 * build the gateway-shaped result.
 */
import type { Cache } from '../cache.js';
import { classifierAnswer, detectFrames, rowPlan, type Answers, type Models } from '../detect-frames.js';
import { buildResult, round4 } from '../nudenet/build-result.js';
import type { LocalOptions } from '../resolve-options.js';
import type { Policy } from '../policy.js';
import type { LocalRuntime, ModerationResult, Timings } from '../result.js';
import { runSlot, type ClassifierSlot, type Slot } from './models.js';
import type { WorkerInput } from './protocol.js';
import type { WorkerInfo } from '../types.js';
import { readInput, type Frame, type ReadInput } from './read-input.js';

/** What the cache keeps: the models' raw answers (the policy is re-applied) and, for an animation, how it was scanned. */
export type Remembered = Answers;

/** Everything the worker holds once `init` has loaded its models: one object, set once, changed in place. */
export interface State {
  /** NudeNet, and its reused input tensor (calls run one at a time, so one buffer serves them all). */
  detector: { slot: Slot; tensor: Float32Array } | null;
  classifier: { slot: ClassifierSlot; tensor: Float32Array } | null;
  info: WorkerInfo;
  policy: Policy;
  limits: LocalOptions['limits'];
  /** Results by models and SHA-256. */
  cache: Cache<Remembered> | null;
  /** The models' identity in cache keys: their URLs, or hashes of bytes handed in (and `:fast` for `decode: 'fast'`, `:ceiling<N>` for a `limits.maxDecodePixels` other than the default). */
  modelKey: string;
  decode: LocalOptions['decode'];
}

/**
 * With `decode: 'fast'`, the long side a JPEG may be decoded down to: twice the
 * largest model input, so the resize still shrinks.
 */
function fastSide({ detector, classifier }: Models): number {
  return 2 * Math.max(detector?.inputSize ?? 0, classifier?.description.inputSize ?? 0);
}

export const runtimeInfo = (i: WorkerInfo): LocalRuntime => ({ location: 'local', provider: i.provider, threads: i.threads, model: i.model, input_size: i.inputSize });

/** The worker's models as one call runs them: a GPU failure rebuilds a model on WASM and says so. */
export function modelsOf(state: State): Models {
  const rebuilt = (slot: Slot, note: string) => {
    const { provider, threads, build: runtimeBuild } = slot.session;
    const main = (state.detector ?? state.classifier)!.slot === slot;
    state.info = {
      ...state.info,
      ...(main && { provider, threads, runtimeBuild }),
      classifier: state.info.classifier && state.classifier?.slot === slot ? { ...state.info.classifier, provider, runtimeBuild } : state.info.classifier,
      notes: [...state.info.notes, note],
    };
  };
  const { detector, classifier } = state;
  return {
    detector: detector && { inputSize: detector.slot.session.inputSize, tensor: detector.tensor, run: (t) => runSlot(detector.slot, t, rebuilt) },
    classifier: classifier && { description: classifier.slot.description, tensor: classifier.tensor, run: (t) => runSlot(classifier.slot, t, rebuilt) },
  };
}

/**
 * An input read, hashed and looked up in the result cache, and, when it must be
 * screened, its first frame's decoding begun: what the worker prepares for the
 * next call while the current one runs its models.
 */
export interface Prepared {
  read: ReadInput;
  key: string;
  remembered: Remembered | undefined;
  /** The frames, the first one already on its way; null when the cache answers. */
  frames: AsyncGenerator<Frame> | null;
  /** Lets go of the frames without taking them (an animation's decoder is closed). */
  discard(): void;
}

/** Gives a generator's first result, already asked for, then the rest of it. */
async function* resumed(frames: AsyncGenerator<Frame>, first: Promise<IteratorResult<Frame>>): AsyncGenerator<Frame> {
  try {
    const head = await first;
    if (head.done) return;
    yield head.value;
    yield* frames;
  } finally {
    await frames.return(undefined);
  }
}

export async function prepare(state: State, input: WorkerInput, { remember = true }: { remember?: boolean } = {}): Promise<Prepared> {
  const models = modelsOf(state);
  const read = await readInput(input, state.limits, rowPlan(models), state.decode === 'fast' ? fastSide(models) : undefined);
  const key = `${state.modelKey}#${read.info.sha256}`;
  const remembered = remember ? await state.cache?.get(key) : undefined;
  if (remembered) return { read, key, remembered, frames: null, discard: () => undefined };
  const frames = read.frames();
  const first = frames.next();
  first.catch(() => undefined); // thrown again when the call takes its frames
  return {
    read,
    key,
    remembered,
    frames: resumed(frames, first),
    discard: () => void first.then(() => frames.return(undefined)).catch(() => undefined),
  };
}

/**
 * One call; `remember: false` keeps it out of the result cache (the warm-up's
 * runs). `prepared`: the input as `prepare` began it ahead of its turn.
 */
export async function detectImage(
  state: State,
  input: WorkerInput,
  queuedAt: number,
  throwIfCancelled: () => void,
  { remember = true, prepared }: { remember?: boolean; prepared?: Promise<Prepared> } = {},
): Promise<ModerationResult> {
  const started = performance.now();
  const cache = remember ? state.cache : null;
  const models = modelsOf(state);
  const ready = await (prepared ?? prepare(state, input, { remember }));
  const { read, key } = ready;
  try {
    throwIfCancelled();
  } catch (error) {
    ready.discard();
    throw error;
  }
  // Prepared ahead, it may have missed an answer the call before it has just stored (the same image twice in a row).
  const remembered = ready.remembered ?? (prepared ? await cache?.get(key) : undefined);
  if (remembered) ready.discard();
  const result = (answers: Answers, notes: string[], timings?: Timings) =>
    buildResult({
      raw: answers.raw,
      classifier: classifierAnswer(models, answers.probabilities),
      nudenet: state.detector !== null,
      policy: state.policy,
      input: read.info,
      elapsedMs: performance.now() - queuedAt,
      notes: [...state.info.notes, ...read.notes, ...notes],
      runtime: runtimeInfo(state.info),
      ...(timings && { timings }),
      ...(answers.animation && { animation: answers.animation }),
    });
  if (remembered) return result(remembered, ['Answered from the cache: this image was screened before with the same model.']);

  const { answers, timings } = await detectFrames(ready.frames ?? read.frames(), models, () => state.policy, throwIfCancelled);
  await cache?.set(key, answers);
  return result(answers, [], { queue_ms: round4(started - queuedAt), ...timings });
}
