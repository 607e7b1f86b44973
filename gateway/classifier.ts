/**
 * The classifier backend: a whole-image classifier (`--classifier`) through
 * onnxruntime-node, checked at start against its description with the library's
 * own contract (src/classifier/contract.ts), fed the tensor the library's own
 * preprocessing builds (src/classifier/tensor.ts, on a decode worker: decode.ts
 * `prepareImage`), its answer named as the library names it, so the policy and
 * result builder see what the browser's worker gives them. Inference takes
 * turns on its own queue (model-queue.ts), beside NudeNet's.
 */
import * as ort from 'onnxruntime-node';
import { bindClassifier } from '../src/classifier/contract.js';
import type { ClassifierDescription } from '../src/classifier/spec.js';
import { ErrorCodes, isVeilError, VeilError } from '../src/errors.js';
import type { ClassifierAnswer } from '../src/nudenet/build-result.js';
import { CLASSIFIER_NAMES } from '../src/options.js';
import type { ClassifierSpec } from './classifier-spec.js';
import { createModelQueue } from './model-queue.js';
import type { RunModel } from './nudenet.js';

export interface ClassifierBackend {
  readonly description: ClassifierDescription;
  readonly modelPath: string;
  /** Images inferring now (0 or 1) and waiting their turn. */
  readonly depth: { running: number; queued: number };
  /** The classifier's answer for its [1, 3, S, S] tensor; rejects 5021 when `signal` aborts first. */
  classify(tensor: Float32Array, signal: AbortSignal): Promise<ClassifierAnswer>;
  close(): Promise<void>;
}

export async function loadClassifier({ description, model }: ClassifierSpec): Promise<ClassifierBackend> {
  const { name, inputSize } = description;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all' });
  } catch (error) {
    const fix = (CLASSIFIER_NAMES as readonly string[]).includes(name)
      ? `Make it with npx veil-nsfw models ${name}, or pass another --classifier-model`
      : 'Check the "model" path in its description, or pass --classifier-model';
    throw new VeilError(ErrorCodes.MODEL_UNAVAILABLE, `The classifier model ${model} could not be loaded (${(error as Error).message}). ${fix}.`, {
      cause: error,
    });
  }
  let bound;
  try {
    bound = await bindClassifier(session, description);
  } catch (error) {
    // The library's sentence names the classifier; the operator also needs to know which file.
    if (isVeilError(error)) throw new VeilError(error.code, `${model}: ${error.message}`, { cause: error });
    throw error;
  }
  const { inputName, outputName, checkOutput } = bound;
  const run: RunModel = async (tensor) => {
    const outputs = await session.run({ [inputName]: new ort.Tensor('float32', tensor, [1, 3, inputSize, inputSize]) });
    const values = outputs[outputName]!.data as Float32Array;
    checkOutput(values);
    return values;
  };
  return createClassifier(description, model, run, () => session.release());
}

/** The queue and timeout around a classifier runner (exported so tests can slow one down). */
export function createClassifier(description: ClassifierDescription, modelPath: string, run: RunModel, release: () => Promise<void>): ClassifierBackend {
  const { name, classes, categories } = description;
  const queue = createModelQueue(
    () =>
      new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `The ${name} backend did not answer within the request's timeout: the gateway is busy; retry later or raise timeout.`),
  );
  return {
    description,
    modelPath,
    get depth() {
      return queue.depth;
    },
    classify(tensor, signal) {
      return queue.run(async () => {
        let output: Float32Array;
        try {
          output = await run(tensor);
        } catch (error) {
          throw new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `The ${name} backend failed on this image (${(error as Error).message}).`, { cause: error });
        }
        // As the library's worker (src/worker/screen.ts) names the output: each class its float32 probability.
        return { name, probabilities: Object.fromEntries(classes.map((c, i) => [c, output[i]!])), categories };
      }, signal);
    },
    close: release,
  };
}
