/**
 * The public API both entries share, listed once: `veil-nsfw` (index.ts) and
 * `veil-nsfw/node` (node/index.ts) re-export it beside what is their own, so the
 * two cannot drift apart in what they call an error, a policy or a result.
 */
export type { ClassifierName, ModelProgress } from './options.js';
export type { ClassifierDescription, ClassifierPreprocessing } from './classifier/spec.js';
export { ErrorCodes, VeilError, isVeilError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { applyPolicy, categoriesFrom, classifierCategoriesFrom, verdictFor, resolvePolicy, PRESETS, DEFAULT_CLASS_RULES } from './policy.js';
export type { ClassifierCategory, ClassifierOutput, ClassifierPolicy, ClassRule, Policy, PolicyCategory, PolicyOptions, PolicyPreset, Thresholds, Verdict } from './policy.js';
export { NUDENET_CLASSES } from './nudenet/classes.js';
export type {
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
} from './result.js';
