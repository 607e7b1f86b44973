/**
 * One call in Node, step for step what the browser's worker does
 * (src/worker/screen.ts), with sharp's pixels in place of the canvas's: read and
 * hash the input, answer from the cache when this image was screened before, else
 * decode each frame once, run NudeNet and the classifier on its pixels with the
 * library's own preprocessing and postprocessing, judge every frame by the policy
 * (the first blocking frame decides, else the most severe), and build the result
 * with the library's builder. Same pixels and same code give the same answer.
 */
import type { Cache } from '../cache.js';
import type { ClassifierDescription } from '../classifier/spec.js';
import { classifierRows, toClassifierTensor } from '../classifier/tensor.js';
import { ErrorCodes, VeilError } from '../errors.js';
import type { Pixels } from '../image/pixels.js';
import { buildResult, round4, type ClassifierAnswer, type ReportParts } from '../nudenet/build-result.js';
import { decodeDetections, type NudeNetDetection } from '../nudenet/detections.js';
import { rowsToRead, toInputTensor } from '../nudenet/letterbox.js';
import type { InputLimits } from '../options.js';
import { applyPolicy, type Policy, type Verdict } from '../policy.js';
import type { AnimationInfo } from '../result.js';
import { readNodeInput, type NodeDetectInput, type RowPlan } from './read-input.js';
import type { NodeModerationResult, NodeRuntime } from './result.js';
import type { NodeSession } from './session.js';

/** What the cache keeps, as the worker keeps it: the models' raw answers (the policy is re-applied). */
export interface Remembered {
  raw: NudeNetDetection[];
  probabilities?: number[];
  animation?: AnimationInfo;
}

export interface NodeState {
  /** NudeNet and its reused input tensor (calls run one at a time, so one buffer serves them all). */
  detector: { session: NodeSession; tensor: Float32Array } | null;
  classifier: { session: NodeSession; description: ClassifierDescription; tensor: Float32Array } | null;
  runtime: NodeRuntime;
  policy: Policy;
  limits: Required<InputLimits>;
  cache: Cache<Remembered> | null;
}

/** How bad a verdict is, to pick the frame an animation is judged by (the worker's measure). */
const severity = (v: Verdict) => ['pass', 'review', 'block'].indexOf(v.decision) * 2 + Math.max(v.categories.porn, v.categories.sexy);

function classifierAnswer(state: NodeState, probabilities: ArrayLike<number> | undefined): ClassifierAnswer | null {
  if (!state.classifier || !probabilities) return null;
  const { name, classes, categories } = state.classifier.description;
  return { name, probabilities: Object.fromEntries(classes.map((c, i) => [c, probabilities[i]!])), categories };
}

/**
 * The source rows both models read of a width x height image, or null for all of
 * them, as the worker plans them; only a BMP is read in part in Node.
 */
function rowPlan(state: NodeState): RowPlan {
  return (width, height) => {
    const plans: (Int32Array | null)[] = [];
    if (state.detector) plans.push(rowsToRead(width, height, state.detector.session.inputSize));
    if (state.classifier) plans.push(classifierRows(width, height, state.classifier.description.inputSize));
    if (plans.some((plan) => plan === null)) return null;
    const rows = Int32Array.from(new Set(plans.flatMap((plan) => [...plan!]))).sort();
    // Reading rows one by one pays only well below half of them (see rowsToRead).
    return rows.length <= height / 2 ? rows : null;
  };
}

/** The result as buildResult makes it, with the Node runtime where the browser's sits (after `tips`). */
function built(parts: ReportParts, runtime: NodeRuntime): NodeModerationResult {
  const { timings, animation, ...head } = buildResult(parts);
  return { ...head, runtime, ...(timings && { timings }), ...(animation && { animation }) };
}

export async function screen(state: NodeState, input: NodeDetectInput, queuedAt: number, throwIfCancelled: () => void): Promise<NodeModerationResult> {
  const started = performance.now();
  const read = await readNodeInput(input, state.limits, rowPlan(state));
  throwIfCancelled();
  const key = read.info.sha256;
  const remembered = await state.cache?.get(key);
  const common = { nudenet: state.detector !== null, policy: state.policy, input: read.info };
  if (remembered) {
    return built(
      {
        ...common,
        raw: remembered.raw,
        classifier: classifierAnswer(state, remembered.probabilities),
        elapsedMs: performance.now() - queuedAt,
        notes: [...read.notes, 'Answered from the cache: this image was screened before with the same model.'],
        ...(remembered.animation && { animation: remembered.animation }),
      },
      state.runtime,
    );
  }

  const spent = { decode: 0, preprocess: 0, inference: 0, postprocess: 0 };
  let mark = performance.now();
  const lap = (stage: keyof typeof spent) => {
    const now = performance.now();
    spent[stage] += now - mark;
    mark = now;
  };
  let best: { raw: NudeNetDetection[]; probabilities?: number[]; index: number; severity: number } | null = null;
  let scanned = 0;
  let total = 1;
  for await (const frame of read.frames()) {
    lap('decode');
    throwIfCancelled();
    const { raw, probabilities } = await runModels(state, frame.pixels, lap, throwIfCancelled);
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

  return built(
    {
      ...common,
      raw: best.raw,
      classifier: classifierAnswer(state, best.probabilities),
      elapsedMs: performance.now() - queuedAt,
      notes: read.notes,
      timings: {
        queue_ms: round4(started - queuedAt),
        decode_ms: round4(spent.decode),
        preprocess_ms: round4(spent.preprocess),
        inference_ms: round4(spent.inference),
        postprocess_ms: round4(spent.postprocess),
      },
      ...(animation && { animation }),
    },
    state.runtime,
  );
}

/** Both models on one frame's pixels, decoded once. */
async function runModels(
  state: NodeState,
  pixels: Pixels,
  lap: (stage: 'preprocess' | 'inference' | 'postprocess') => void,
  throwIfCancelled: () => void,
): Promise<{ raw: NudeNetDetection[]; probabilities?: number[] }> {
  let raw: NudeNetDetection[] = [];
  let probabilities: number[] | undefined;
  if (state.detector) {
    const { session, tensor } = state.detector;
    const { box } = toInputTensor(pixels, session.inputSize, tensor);
    lap('preprocess');
    throwIfCancelled();
    const output = await session.run(tensor);
    lap('inference');
    raw = decodeDetections(output, box);
    lap('postprocess');
  }
  if (state.classifier) {
    const { session, description, tensor } = state.classifier;
    toClassifierTensor(pixels, description.inputSize, description.preprocessing, tensor);
    lap('preprocess');
    throwIfCancelled();
    probabilities = [...(await session.run(tensor))];
    lap('inference');
  }
  return { raw, ...(probabilities && { probabilities }) };
}
