/**
 * What one call does with an image's frames once they are decoded, the same in
 * the browser's worker (src/worker/detect-image.ts) and in Node (src/node/detect-image.ts):
 * run NudeNet and the classifier (whichever the detector has) on each frame's
 * pixels, judge each frame by the policy, stop at the first that blocks, else keep
 * the most severe, and time each stage. Only how a model runs differs between the
 * two, so the caller passes that in.
 */
import type { ClassifierDescription } from './classifier/spec.js';
import { classifierRows, toClassifierTensor } from './classifier/tensor.js';
import { ErrorCodes, VeilError } from './errors.js';
import type { Pixels } from './image/pixels.js';
import { round4, type ClassifierAnswer } from './nudenet/build-result.js';
import { decodeDetections, type NudeNetDetection } from './nudenet/detections.js';
import { rowsToRead, toInputTensor } from './nudenet/letterbox.js';
import { applyPolicy, severity, type Policy, type Verdict } from './policy.js';
import { reaches } from './video/plan.js';
import type { AnimationInfo, Decision, Timings } from './result.js';

/** A model as a call uses it: its reused input tensor (calls run one at a time) and how to run it. */
interface Runner {
  tensor: Float32Array;
  run(tensor: Float32Array): Promise<Float32Array>;
}

export interface Models {
  detector: (Runner & { inputSize: number }) | null;
  classifier: (Runner & { description: ClassifierDescription }) | null;
}

/** The models' raw answers for one image: what the result cache keeps (the policy is re-applied). */
export interface Answers {
  raw: NudeNetDetection[];
  probabilities?: number[];
  animation?: AnimationInfo;
}

export interface DecodedFrame {
  pixels: Pixels;
  /** Its index in the animation (0 for a still image), and the animation's length (1). */
  index: number;
  total: number;
  /** A clip's frame: its presentation time, in seconds. */
  time_s?: number;
  /** How its pixels were read, when the decoder says (`timings.decoder`). */
  decoder?: string;
}

/** The source rows both models read of a width x height image (decoded from one of size `original`), or null for all of them. */
export function rowPlan({ detector, classifier }: Models): (width: number, height: number, original?: { width: number; height: number }) => Int32Array | null {
  return (width, height, original) => {
    const plans: (Int32Array | null)[] = [];
    if (detector) plans.push(rowsToRead(width, height, detector.inputSize, original));
    if (classifier) plans.push(classifierRows(width, height, classifier.description.inputSize));
    if (plans.some((plan) => plan === null)) return null;
    const rows = Int32Array.from(new Set(plans.flatMap((plan) => [...plan!]))).sort();
    // Reading rows one by one pays only well below half of them (see rowsToRead).
    return rows.length <= height / 2 ? rows : null;
  };
}

/** The classifier's output, named by its classes, for the policy and `raw.classifier`. */
export function classifierAnswer({ classifier }: Models, probabilities: ArrayLike<number> | undefined): ClassifierAnswer | null {
  if (!classifier || !probabilities) return null;
  const { name, classes, categories } = classifier.description;
  return { name, probabilities: Object.fromEntries(classes.map((c, i) => [c, probabilities[i]!])), categories };
}


type Stage = 'decode' | 'preprocess' | 'inference' | 'postprocess';

/** Both models on one frame's pixels, decoded once. */
async function runModels({ detector, classifier }: Models, pixels: Pixels, lap: (stage: Stage) => void, throwIfCancelled: () => void) {
  let raw: NudeNetDetection[] = [];
  let probabilities: number[] | undefined;
  if (detector) {
    const { box } = toInputTensor(pixels, detector.inputSize, detector.tensor);
    lap('preprocess');
    throwIfCancelled();
    const output = await detector.run(detector.tensor);
    lap('inference');
    raw = decodeDetections(output, box);
    lap('postprocess');
  }
  if (classifier) {
    const { description, tensor } = classifier;
    toClassifierTensor(pixels, description.inputSize, description.preprocessing, tensor);
    lap('preprocess');
    throwIfCancelled();
    probabilities = [...(await classifier.run(tensor))];
    lap('inference');
  }
  return { raw, ...(probabilities && { probabilities }) };
}

/** How a caller follows the frames: where to stop, and each frame's verdict as it comes. */
export interface FrameWatch {
  /** Stop at the first frame this bad or worse; default `block`; null judges every frame. */
  stopAt?: Exclude<Decision, 'pass'> | null;
  onFrame?(frame: DecodedFrame, verdict: Verdict, raw: NudeNetDetection[]): void | Promise<void>;
}

/**
 * Decodes and judges the frames one by one: the first frame reaching `stopAt`
 * (a blocking one, by default) decides, else the most severe. Gives the deciding
 * frame's answers and index, how many were judged, how an animation was scanned,
 * and the time spent per stage (decoding included).
 */
export async function detectFrames(
  frames: AsyncIterable<DecodedFrame>,
  models: Models,
  policy: () => Policy,
  throwIfCancelled: () => void,
  { stopAt = 'block', onFrame }: FrameWatch = {},
): Promise<{ answers: Answers; timings: Omit<Timings, 'queue_ms'>; decidedBy: number; scanned: number }> {
  const spent = { decode: 0, preprocess: 0, inference: 0, postprocess: 0 };
  let mark = performance.now();
  const lap = (stage: Stage) => {
    const now = performance.now();
    spent[stage] += now - mark;
    mark = now;
  };
  let best: (Answers & { index: number; severity: number }) | null = null;
  let scanned = 0;
  let total = 1;
  let decoder: string | undefined;
  for await (const frame of frames) {
    decoder ??= frame.decoder;
    lap('decode');
    throwIfCancelled();
    const { raw, probabilities } = await runModels(models, frame.pixels, lap, throwIfCancelled);
    const verdict = applyPolicy(raw, policy(), classifierAnswer(models, probabilities));
    scanned++;
    total = frame.total;
    if (!best || severity(verdict) > best.severity) best = { raw, ...(probabilities && { probabilities }), index: frame.index, severity: severity(verdict) };
    lap('postprocess');
    await onFrame?.(frame, verdict, raw);
    if (reaches(verdict.decision, stopAt)) break; // and being the worst so far, it decides
    throwIfCancelled();
    mark = performance.now();
  }
  if (!best) throw new VeilError(ErrorCodes.DECODE_FAILED, 'The image has no frame to scan.');
  const { raw, probabilities } = best;
  return {
    answers: { raw, ...(probabilities && { probabilities }), ...(total > 1 && { animation: { frames: total, scanned, decided_by: best.index } }) },
    decidedBy: best.index,
    scanned,
    timings: {
      decode_ms: round4(spent.decode),
      preprocess_ms: round4(spent.preprocess),
      inference_ms: round4(spent.inference),
      postprocess_ms: round4(spent.postprocess),
      ...(decoder && { decoder }),
    },
  };
}
