/**
 * The gateway's own model runner: the models it runs itself, NudeNet (`--model`) and a whole-image
 * classifier (`--classifier`): loaded and checked at start, told which tensors
 * a request's one decode must build, run side by side on their own queues, and
 * judged by the library's policy and result builder, so the answer is the
 * browser library's for the same image and models. An animated GIF or WebP is
 * judged as the browser's worker and veil-nsfw/node judge one
 * (src/detect-frames.ts): up to the library's `maxFrames` sampled frames, spread
 * over the animation (src/worker/animation.ts), one at a time, stopping at the
 * first that blocks, else the most severe decides; the answer says so in
 * `animation`.
 */
import { buildResult, type ClassifierAnswer } from '../src/nudenet/build-result.js';
import type { NudeNetDetection } from '../src/nudenet/detections.js';
import { DEFAULT_LIMITS } from '../src/options.js';
import { applyPolicy, type Policy, severity } from '../src/policy.js';
import type { AnimationInfo, ModerationResult } from '../src/result.js';
import { reaches } from '../src/video/plan.js';
import { sampleFrames } from '../src/worker/animation.js';
import { type ClassifierBackend, loadClassifier } from './classifier.js';
import type { GatewayConfig } from './config.js';
import type { ModelTargets } from './model-inputs.js';
import type { FrameTensors, LoadedImage } from './image-input.js';
import { loadNudenet, type NudenetBackend } from './nudenet.js';

export interface GatewayModels {
  nudenet: NudenetBackend | null;
  classifier: ClassifierBackend | null;
}

/** Which of the gateway's models a request runs (backends.ts `chooseBackend`). */
export interface ModelChoice {
  nudenet: boolean;
  classifier: boolean;
}

/** Loads what the config names, unless a test hands in a ready backend (or null for none). */
export async function loadModels(config: GatewayConfig, given: Partial<GatewayModels>): Promise<GatewayModels> {
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
export function targetsFor(choice: ModelChoice, models: GatewayModels): ModelTargets {
  const classifier = choice.classifier ? models.classifier!.description : null;
  return {
    nudenet: choice.nudenet ? models.nudenet!.inputSize : null,
    classifier: classifier && { inputSize: classifier.inputSize, preprocessing: classifier.preprocessing },
  };
}

/** Frames an animation is judged by at most: the library's default `limits.maxFrames`, as in the browser and in Node. */
export const MAX_FRAMES = DEFAULT_LIMITS.maxFrames;

/**
 * Runs the chosen models on the image's tensors, both at once (separate
 * sessions, separate queues), frame after sampled frame for an animation
 * (`frame` decodes the next), and builds the result.
 */
export async function runModels(
  image: LoadedImage,
  choice: ModelChoice,
  models: GatewayModels,
  { policy, signal, started, frame }: { policy: Policy; signal: AbortSignal; started: number; frame: (index: number) => Promise<FrameTensors> },
): Promise<ModerationResult> {
  const indices = image.frames > 1 ? sampleFrames(image.frames, MAX_FRAMES) : [0];
  let best: { raw: NudeNetDetection[]; classifier: ClassifierAnswer | null; index: number; severity: number } | null = null;
  let scanned = 0;
  for (const index of indices) {
    const tensors = index === indices[0] ? image : await frame(index);
    const [raw, classifier] = await Promise.all([
      choice.nudenet ? models.nudenet!.detect(tensors.input!, signal) : [],
      choice.classifier ? models.classifier!.classify(tensors.classifierInput!, signal) : null,
    ]);
    const verdict = applyPolicy(raw, policy, classifier);
    scanned++;
    if (!best || severity(verdict) > best.severity) best = { raw, classifier, index, severity: severity(verdict) };
    if (reaches(verdict.decision, 'block')) break; // and being the worst so far, it decides
  }
  const { raw, classifier } = best!;
  const animation: AnimationInfo | undefined = image.frames > 1 ? { frames: image.frames, scanned, decided_by: best!.index } : undefined;
  return buildResult({
    raw,
    classifier,
    nudenet: choice.nudenet,
    policy,
    input: image.info,
    elapsedMs: performance.now() - started,
    notes: image.notes,
    ...(animation && { animation }),
  });
}

/** `/healthz`'s `backends`: nudenet, the classifier by its name when there is one, and each cloud backend. */
export function modelBackends(models: GatewayModels): Record<string, boolean> {
  return { nudenet: models.nudenet !== null, ...(models.classifier && { [models.classifier.description.name]: true }) };
}
