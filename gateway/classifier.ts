/**
 * The classifier backend: a whole-image classifier (`--classifier`) through
 * onnxruntime-node, checked at start against its description with the library's
 * own contract (src/classifier/contract.ts), fed the tensor the library's own
 * preprocessing builds (src/classifier/tensor.ts, on a decode worker: model-inputs.ts
 * `prepareImage`), its answer named as the library names it, so the policy and
 * result builder see what the browser's worker gives them. Inference takes
 * turns on its own queue (src/node/model-queue.ts), beside NudeNet's; the
 * session is opened by the Node entry's session module (src/node/session.ts).
 */
// Imported up front, not through src/node/peers.ts: a gateway without it stops at start with
// server-deps.ts's sentence naming every server package, whatever its backends.
import * as ort from 'onnxruntime-node';
import { bindClassifier } from '../src/classifier/contract.js';
import type { ClassifierDescription } from '../src/classifier/spec.js';
import { ErrorCodes, isVeilError, VeilError } from '../src/errors.js';
import { type NodeSession, openSession, queueRuns } from '../src/node/session.js';
import type { ClassifierAnswer } from '../src/nudenet/build-result.js';
import { CLASSIFIER_NAMES } from '../src/options.js';
import type { ClassifierSpec } from './classifier-spec.js';
import { modelFailures, type RunModel } from './nudenet.js';

export interface ClassifierBackend {
  readonly description: ClassifierDescription;
  readonly modelPath: string;
  /** Images inferring now (0 or 1) and waiting their turn. */
  readonly depth: { running: number; queued: number };
  /** The classifier's answer for its [1, 3, S, S] tensor; rejects 5025 when `signal` aborts first. */
  classify(tensor: Float32Array, signal: AbortSignal): Promise<ClassifierAnswer>;
  close(): Promise<void>;
}

export async function loadClassifier({ description, model }: ClassifierSpec): Promise<ClassifierBackend> {
  const { name } = description;
  const session = await openSession(ort, model, {
    ...modelFailures(name),
    openFailed: (error) => {
      const fix = (CLASSIFIER_NAMES as readonly string[]).includes(name)
        ? `Make it with npx veil-nsfw models ${name}, or pass another --classifier-model`
        : 'Check the "model" path in its description, or pass --classifier-model';
      return new VeilError(ErrorCodes.MODEL_UNAVAILABLE, `The classifier model ${model} could not be loaded (${(error as Error).message}). ${fix}.`, {
        cause: error,
      });
    },
    bind: async (session) => {
      try {
        return await bindClassifier(session, description);
      } catch (error) {
        // The library's sentence names the classifier; the operator also needs to know which file.
        if (isVeilError(error)) throw new VeilError(error.code, `${model}: ${error.message}`, { cause: error });
        throw error;
      }
    },
  });
  return classifierBackend(description, model, session);
}

/** The backend around a classifier runner of the test's own (exported so tests can slow one down). */
export function createClassifier(description: ClassifierDescription, modelPath: string, run: RunModel, release: () => Promise<void>): ClassifierBackend {
  return classifierBackend(description, modelPath, queueRuns({ inputSize: description.inputSize, run, release }, modelFailures(description.name)));
}

function classifierBackend(description: ClassifierDescription, modelPath: string, session: NodeSession): ClassifierBackend {
  const { name, classes, categories } = description;
  return {
    description,
    modelPath,
    get depth() {
      return session.depth;
    },
    async classify(tensor, signal) {
      const output = await session.run(tensor, signal);
      // As the library's worker (src/worker/detect-image.ts) names the output: each class its float32 probability.
      return { name, probabilities: Object.fromEntries(classes.map((c, i) => [c, output[i]!])), categories };
    },
    close: () => session.release(),
  };
}
