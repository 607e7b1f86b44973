/**
 * The `nudenet` backend: NudeNet through the Node entry's session module
 * (src/node/session.ts, the one owner of onnxruntime-node) with the browser
 * library's own preprocessing (OpenCV-exact letterbox, built on a decode worker:
 * pixel-job.ts), postprocessing (NMS) and result builder, so both give the same
 * answer for the same pixels. Inference takes turns (src/node/model-queue.ts):
 * one image at a time, in arrival order, 5025 for a request whose timeout runs
 * out, 5021 for a model that fails on the image.
 */
// Imported up front, not through src/node/peers.ts: a gateway without it stops at start with
// server-deps.ts's sentence naming every server package, whatever its backends.
import * as ort from 'onnxruntime-node';
import { ErrorCodes, VeilError } from '../src/errors.js';
import { decodeDetections, type NudeNetDetection } from '../src/nudenet/detections.js';
import type { Letterbox } from '../src/nudenet/letterbox.js';
import { type NodeSession, openSession, queueRuns } from '../src/node/session.js';

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
  /** NudeNet's detections for this input; rejects 5025 when `signal` aborts first. */
  detect(input: ModelInput, signal: AbortSignal): Promise<NudeNetDetection[]>;
  close(): Promise<void>;
}

/** How the gateway words a model's failures: the answer's desc, under its code. */
export const modelFailures = (name: string) => ({
  what: `${name} model`,
  runFailed: (error: unknown) => new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `The ${name} backend failed on this image (${(error as Error).message}).`, { cause: error }),
  timedOut: () => new VeilError(ErrorCodes.TIMED_OUT, `The ${name} backend did not answer within the request's timeout: the gateway is busy; retry later or raise timeout.`),
});

export async function loadNudenet(modelPath: string): Promise<NudenetBackend> {
  const session = await openSession(ort, modelPath, {
    ...modelFailures('nudenet'),
    openFailed: (error) =>
      new VeilError(
        ErrorCodes.MODEL_UNAVAILABLE,
        `The model ${modelPath} could not be loaded (${(error as Error).message}). Fetch it with npx veil-nsfw models 320n, or pass another --model.`,
        { cause: error },
      ),
  });
  return nudenetBackend(modelPath, session);
}

/** The backend around a model runner of the test's own (exported for tests of the timeout path). */
export function createNudenet(modelPath: string, inputSize: number, run: RunModel, release: () => Promise<void>): NudenetBackend {
  return nudenetBackend(modelPath, queueRuns({ inputSize, run, release }, modelFailures('nudenet')));
}

function nudenetBackend(modelPath: string, session: NodeSession): NudenetBackend {
  return {
    modelPath,
    inputSize: session.inputSize,
    get depth() {
      return session.depth;
    },
    async detect({ tensor, box }, signal) {
      return decodeDetections(await session.run(tensor, signal), box);
    },
    close: () => session.release(),
  };
}
