/**
 * veil-nsfw/node: the browser library's `createDetector` on a server, with
 * onnxruntime-node and sharp (optional peer dependencies, loaded only here) in
 * place of onnxruntime-web and the canvas, and the library's own preprocessing,
 * postprocessing, policy and result builder, so a server re-checking an upload
 * reaches the decision the browser reached for the same file and models.
 */
export { createDetector } from './detector.js';
export type { NodeDetectOptions, NodeDetector, NodeDetectorInfo } from './detector.js';
export type { NodeClassifierOptions, NodeDetectorOptions, NodeInputLimits, NodeModelSource } from './options.js';
export type { NodeDetectInput } from './read-input.js';
export type { NodeModerationResult, NodeRuntime } from './result.js';
export type { ClassifierName, ModelProgress } from '../options.js';
export type { ClassifierDescription, ClassifierPreprocessing } from '../classifier/spec.js';
export { ErrorCodes, VeilError, isVeilError } from '../errors.js';
export type { ErrorCode } from '../errors.js';
export { applyPolicy, categoriesFrom, classifierCategoriesFrom, verdictFor, resolvePolicy, PRESETS, DEFAULT_CLASS_RULES } from '../policy.js';
export type { ClassifierCategory, ClassifierOutput, ClassifierPolicy, ClassRule, Policy, PolicyCategory, PolicyOptions, PolicyPreset, Thresholds, Verdict } from '../policy.js';
export { NUDENET_CLASSES } from '../nudenet/classes.js';
export type {
  AnimationInfo,
  Box,
  Categories,
  ClassifierRaw,
  Decision,
  Detection,
  InputInfo,
  InputType,
  Label,
  ModerationResult,
  NudeNetClass,
  NudeNetDetection,
  Timings,
} from '../result.js';
