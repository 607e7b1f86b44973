/**
 * One call in the worker: read and hash the input, answer from the cache when
 * this image was screened before, else decode each frame once and run NudeNet
 * and the classifier (whichever the detector has) on its pixels, then let the
 * policy judge and build the gateway-shaped result.
 */
import { classifierRows, toClassifierTensor } from '../classifier/tensor.js';
import type { Cache } from '../cache.js';
import { ErrorCodes, VeilError } from '../errors.js';
import type { Pixels } from '../image/pixels.js';
import { buildResult, round4, type ClassifierAnswer } from '../nudenet/build-result.js';
import { decodeDetections, type NudeNetDetection } from '../nudenet/detections.js';
import { rowsToRead, toInputTensor } from '../nudenet/letterbox.js';
import type { ResolvedOptions } from '../options.js';
import { applyPolicy, type Policy, type Verdict } from '../policy.js';
import type { AnimationInfo, LocalRuntime, ModerationResult } from '../result.js';
import { runSlot, type ClassifierSlot, type Slot } from './models.js';
import type { WorkerInfo, WorkerInput } from './protocol.js';
import { readInput } from './read-input.js';

/** What the cache keeps: the models' raw answers (the policy is re-applied) and, for an animation, how it was scanned. */
export interface Remembered {
  raw: NudeNetDetection[];
  probabilities?: number[];
  animation?: AnimationInfo;
}

/** Everything the worker holds once `init` has loaded its models: one object, set once, changed in place. */
export interface State {
  /** NudeNet, and its reused input tensor (calls run one at a time, so one buffer serves them all). */
  detector: { slot: Slot; tensor: Float32Array } | null;
  classifier: { slot: ClassifierSlot; tensor: Float32Array } | null;
  info: WorkerInfo;
  policy: Policy;
  limits: ResolvedOptions['limits'];
  /** Results by models and SHA-256. */
  cache: Cache<Remembered> | null;
  /** The models' identity in cache keys: their URLs, or hashes of bytes handed in. */
  modelKey: string;
}

/** How bad a verdict is, to pick the frame an animation is judged by. */
const severity = (v: Verdict) => ['pass', 'review', 'block'].indexOf(v.decision) * 2 + Math.max(v.categories.porn, v.categories.sexy);

/** The source rows both models read of a width x height image, or null for all of them. */
function rowPlan(state: State, width: number, height: number): Int32Array | null {
  const plans: (Int32Array | null)[] = [];
  if (state.detector) plans.push(rowsToRead(width, height, state.detector.slot.session.inputSize));
  if (state.classifier) plans.push(classifierRows(width, height, state.classifier.slot.description.inputSize));
  if (plans.some((plan) => plan === null)) return null;
  const rows = Int32Array.from(new Set(plans.flatMap((plan) => [...plan!]))).sort();
  // Reading rows one by one pays only well below half of them (see rowsToRead).
  return rows.length <= height / 2 ? rows : null;
}

const runtimeInfo = (i: WorkerInfo): LocalRuntime => ({ location: 'local', provider: i.provider, threads: i.threads, model: i.model, input_size: i.inputSize });

function classifierAnswer(state: State, probabilities: ArrayLike<number> | undefined): ClassifierAnswer | null {
  if (!state.classifier || !probabilities) return null;
  const { name, classes, categories } = state.classifier.slot.description;
  return { name, probabilities: Object.fromEntries(classes.map((c, i) => [c, probabilities[i]!])), categories };
}

export async function screen(state: State, input: WorkerInput, queuedAt: number, throwIfCancelled: () => void): Promise<ModerationResult> {
  const started = performance.now();
  const notes = () => [...state.info.notes];
  const read = await readInput(input, state.limits, (width, height) => rowPlan(state, width, height));
  throwIfCancelled();
  const key = `${state.modelKey}#${read.info.sha256}`;
  const remembered = await state.cache?.get(key);
  if (remembered) {
    return buildResult({
      raw: remembered.raw,
      classifier: classifierAnswer(state, remembered.probabilities),
      nudenet: state.detector !== null,
      policy: state.policy,
      input: read.info,
      elapsedMs: performance.now() - queuedAt,
      notes: [...notes(), ...read.notes, 'Answered from the cache: this image was screened before with the same model.'],
      runtime: runtimeInfo(state.info),
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
  const rebuilt = (slot: Slot, note: string) => {
    const { provider, threads } = slot.session;
    const main = (state.detector ?? state.classifier)!.slot === slot;
    state.info = {
      ...state.info,
      ...(main && { provider, threads }),
      classifier: state.info.classifier && state.classifier?.slot === slot ? { ...state.info.classifier, provider } : state.info.classifier,
      notes: [...state.info.notes, note],
    };
  };
  let best: { raw: NudeNetDetection[]; probabilities?: number[]; index: number; severity: number } | null = null;
  let scanned = 0;
  let total = 1;
  for await (const frame of read.frames()) {
    lap('decode');
    throwIfCancelled();
    const { raw, probabilities } = await runModels(state, frame.pixels, lap, throwIfCancelled, rebuilt);
    const verdict = applyPolicy(raw, state.policy, classifierAnswer(state, probabilities));
    scanned++;
    total = frame.total;
    if (!best || severity(verdict) > best.severity) best = { raw, ...(probabilities && { probabilities }), index: frame.index, severity: severity(verdict) };
    lap('postprocess');
    // The first blocking frame decides: no need to look further.
    if (verdict.decision === 'block') break;
    throwIfCancelled();
    mark = performance.now();
  }
  if (!best) throw new VeilError(ErrorCodes.DECODE_FAILED, 'The image has no frame to scan.');
  const animation = total > 1 ? { frames: total, scanned, decided_by: best.index } : undefined;
  await state.cache?.set(key, { raw: best.raw, ...(best.probabilities && { probabilities: best.probabilities }), ...(animation && { animation }) });

  return buildResult({
    raw: best.raw,
    classifier: classifierAnswer(state, best.probabilities),
    nudenet: state.detector !== null,
    policy: state.policy,
    input: read.info,
    elapsedMs: performance.now() - queuedAt,
    notes: [...notes(), ...read.notes],
    runtime: runtimeInfo(state.info),
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

/** Both models on one frame's pixels, decoded once. */
async function runModels(
  state: State,
  pixels: Pixels,
  lap: (stage: 'preprocess' | 'inference' | 'postprocess') => void,
  throwIfCancelled: () => void,
  rebuilt: (slot: Slot, note: string) => void,
): Promise<{ raw: NudeNetDetection[]; probabilities?: number[] }> {
  let raw: NudeNetDetection[] = [];
  let probabilities: number[] | undefined;
  if (state.detector) {
    const { slot, tensor } = state.detector;
    const { box } = toInputTensor(pixels, slot.session.inputSize, tensor);
    lap('preprocess');
    throwIfCancelled();
    const output = await runSlot(slot, tensor, rebuilt);
    lap('inference');
    raw = decodeDetections(output, box);
    lap('postprocess');
  }
  if (state.classifier) {
    const { slot, tensor } = state.classifier;
    toClassifierTensor(pixels, slot.description.inputSize, slot.description.preprocessing, tensor);
    lap('preprocess');
    throwIfCancelled();
    probabilities = [...(await runSlot(slot, tensor, rebuilt))];
    lap('inference');
  }
  return { raw, ...(probabilities && { probabilities }) };
}
