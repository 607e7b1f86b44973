/**
 * One call in Node, step for step what the browser's worker does
 * (src/worker/detect-image.ts), with sharp's pixels in place of the canvas's: read and
 * hash the input, answer from the cache when this image was screened before, else
 * judge its frames with the very code the worker uses (src/detect-frames.ts) and
 * build the result with the library's builder. Same pixels and same code give the
 * same answer.
 */
import type { Cache } from '../cache.js';
import type { ClassifierDescription } from '../classifier/spec.js';
import { classifierAnswer, detectFrames, rowPlan, type Answers, type Models } from '../detect-frames.js';
import { buildResult, round4, type ReportParts } from '../nudenet/build-result.js';
import type { InputLimits } from '../options.js';
import type { Policy } from '../policy.js';
import type { Timings } from '../result.js';
import { readNodeInput, type NodeDetectInput } from './read-input.js';
import type { NodeModerationResult, NodeRuntime } from './result.js';
import type { NodeSession } from './session.js';

/** What the cache keeps, as the worker keeps it: the models' raw answers (the policy is re-applied). */
export type Remembered = Answers;

export interface NodeState {
  /** NudeNet and its reused input tensor (calls run one at a time, so one buffer serves them all). */
  detector: { session: NodeSession; tensor: Float32Array } | null;
  classifier: { session: NodeSession; description: ClassifierDescription; tensor: Float32Array } | null;
  runtime: NodeRuntime;
  policy: Policy;
  limits: Required<InputLimits>;
  cache: Cache<Remembered> | null;
}

/** The Node sessions as one call runs them. */
function modelsOf({ detector, classifier }: NodeState): Models {
  return {
    detector: detector && { inputSize: detector.session.inputSize, tensor: detector.tensor, run: (t) => detector.session.run(t) },
    classifier: classifier && { description: classifier.description, tensor: classifier.tensor, run: (t) => classifier.session.run(t) },
  };
}

/** The result as buildResult makes it, with the Node runtime where the browser's sits (after `tips`). */
function built(parts: ReportParts, runtime: NodeRuntime): NodeModerationResult {
  const { timings, animation, ...head } = buildResult(parts);
  return { ...head, runtime, ...(timings && { timings }), ...(animation && { animation }) };
}

export async function detectImage(state: NodeState, input: NodeDetectInput, queuedAt: number, throwIfCancelled: () => void): Promise<NodeModerationResult> {
  const started = performance.now();
  const models = modelsOf(state);
  const read = await readNodeInput(input, state.limits, rowPlan(models));
  throwIfCancelled();
  const key = read.info.sha256;
  const remembered = await state.cache?.get(key);
  const result = (answers: Answers, notes: string[], timings?: Timings) =>
    built(
      {
        raw: answers.raw,
        classifier: classifierAnswer(models, answers.probabilities),
        nudenet: state.detector !== null,
        policy: state.policy,
        input: read.info,
        elapsedMs: performance.now() - queuedAt,
        notes: [...read.notes, ...notes],
        ...(timings && { timings }),
        ...(answers.animation && { animation: answers.animation }),
      },
      state.runtime,
    );
  if (remembered) return result(remembered, ['Answered from the cache: this image was screened before with the same model.']);

  const { answers, timings } = await detectFrames(read.frames(), models, () => state.policy, throwIfCancelled);
  await state.cache?.set(key, answers);
  return result(answers, [], { queue_ms: round4(started - queuedAt), ...timings });
}
