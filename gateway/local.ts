/**
 * The models this gateway runs itself, NudeNet (`--model`) and a whole-image
 * classifier (`--classifier`): loaded and checked at start, told which tensors
 * a request's one decode must build, run side by side on their own queues, and
 * judged by the library's policy and result builder, so the answer is the
 * browser library's for the same image and models.
 */
import { buildResult } from '../src/nudenet/build-result.js';
import type { Policy } from '../src/policy.js';
import type { ModerationResult } from '../src/result.js';
import { type ClassifierBackend, loadClassifier } from './classifier.js';
import type { GatewayConfig } from './config.js';
import type { ModelTargets } from './decode.js';
import type { LoadedImage } from './image-input.js';
import { loadNudenet, type NudenetBackend } from './nudenet.js';

export interface LocalModels {
  nudenet: NudenetBackend | null;
  classifier: ClassifierBackend | null;
}

/** Which local models a request runs (backends.ts `chooseBackend`). */
export interface LocalChoice {
  nudenet: boolean;
  classifier: boolean;
}

/** Loads what the config names, unless a test hands in a ready backend (or null for none). */
export async function loadLocalModels(config: GatewayConfig, given: Partial<LocalModels>): Promise<LocalModels> {
  const nudenet = given.nudenet !== undefined ? given.nudenet : config.model ? await loadNudenet(config.model) : null;
  try {
    const classifier = given.classifier !== undefined ? given.classifier : config.classifier ? await loadClassifier(config.classifier) : null;
    return { nudenet, classifier };
  } catch (error) {
    // The server will not start: let go of the session already open.
    await nudenet?.close();
    throw error;
  }
}

/** The tensors the decode builds for this choice. */
export function targetsFor(choice: LocalChoice, models: LocalModels): ModelTargets {
  const classifier = choice.classifier ? models.classifier!.description : null;
  return {
    nudenet: choice.nudenet ? models.nudenet!.inputSize : null,
    classifier: classifier && { inputSize: classifier.inputSize, preprocessing: classifier.preprocessing },
  };
}

/** Runs the chosen models on the image's tensors, both at once (separate sessions, separate queues), and builds the result. */
export async function screenLocally(
  image: LoadedImage,
  choice: LocalChoice,
  models: LocalModels,
  { policy, signal, started }: { policy: Policy; signal: AbortSignal; started: number },
): Promise<ModerationResult> {
  const [raw, classifier] = await Promise.all([
    choice.nudenet ? models.nudenet!.detect(image.input!, signal) : [],
    choice.classifier ? models.classifier!.classify(image.classifierInput!, signal) : null,
  ]);
  return buildResult({
    raw,
    classifier,
    nudenet: choice.nudenet,
    policy,
    input: image.info,
    elapsedMs: performance.now() - started,
    notes: image.notes,
  });
}

/** `/healthz`'s `backends`: nudenet, the classifier by its name when there is one, and each cloud backend. */
export function localBackends(models: LocalModels): Record<string, boolean> {
  return { nudenet: models.nudenet !== null, ...(models.classifier && { [models.classifier.description.name]: true }) };
}
