/**
 * The `nudenet` backend: NudeNet through onnxruntime-node with the browser
 * library's own preprocessing (OpenCV-exact letterbox, built on a decode worker:
 * decode.ts `prepareImage`), postprocessing (NMS) and result builder, so both
 * give the same answer for the same pixels. Inference takes turns (model-queue.ts):
 * one image at a time, in arrival order, 5021 for a request whose timeout runs out.
 */
import * as ort from 'onnxruntime-node';
import { ErrorCodes, VeilError } from '../src/errors.js';
import { bindModel } from '../src/nudenet/contract.js';
import { decodeDetections, type NudeNetDetection } from '../src/nudenet/detections.js';
import type { Letterbox } from '../src/nudenet/letterbox.js';
import { createModelQueue } from './model-queue.js';

/** Runs the model on one [1, 3, S, S] tensor; separate from the session so tests can slow it down. */
export type RunModel = (tensor: Float32Array) => Promise<Float32Array>;

/** An image as the model takes it: its [1, 3, S, S] tensor and where it sits in it. */
export interface ModelInput {
  tensor: Float32Array;
  box: Letterbox;
}

export interface NudenetBackend {
  readonly modelPath: string;
  readonly inputSize: number;
  /** Images inferring now (0 or 1) and waiting their turn. */
  readonly depth: { running: number; queued: number };
  /** NudeNet's detections for this input; rejects 5021 when `signal` aborts first. */
  detect(input: ModelInput, signal: AbortSignal): Promise<NudeNetDetection[]>;
  close(): Promise<void>;
}

export async function loadNudenet(modelPath: string): Promise<NudenetBackend> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new VeilError(
      ErrorCodes.MODEL_UNAVAILABLE,
      `The model ${modelPath} could not be loaded (${(error as Error).message}). Fetch it with npx veil-nsfw models 320n, or pass another --model.`,
      { cause: error },
    );
  }
  const { inputSize, inputName, outputName, checkOutput } = await bindModel(session);
  const run: RunModel = async (tensor) => {
    const outputs = await session.run({ [inputName]: new ort.Tensor('float32', tensor, [1, 3, inputSize, inputSize]) });
    const values = outputs[outputName]!.data as Float32Array;
    checkOutput(values);
    return values;
  };
  return createNudenet(modelPath, inputSize, run, () => session.release());
}

/** The queue and timeout around a model runner (exported for tests of the timeout path). */
export function createNudenet(modelPath: string, inputSize: number, run: RunModel, release: () => Promise<void>): NudenetBackend {
  const queue = createModelQueue(
    () => new VeilError(ErrorCodes.REMOTE_UNREACHABLE, "The nudenet backend did not answer within the request's timeout: the gateway is busy; retry later or raise timeout."),
  );
  return {
    modelPath,
    inputSize,
    get depth() {
      return queue.depth;
    },
    detect({ tensor, box }, signal) {
      return queue.run(async () => {
        let output: Float32Array;
        try {
          output = await run(tensor);
        } catch (error) {
          throw new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `The nudenet backend failed on this image (${(error as Error).message}).`, { cause: error });
        }
        return decodeDetections(output, box);
      }, signal);
    },
    close: release,
  };
}
