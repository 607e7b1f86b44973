/**
 * Veil: screens images for nudity inside the browser, with NudeNet running in a
 * Web Worker, and answers in the image-nsfw gateway's result schema.
 */
export { createDetector } from './detector.js';
export type { Detector, DetectOptions } from './detector.js';
export type { DetectInput } from './input.js';
export type { DetectorOptions, ModelProgress, Provider } from './options.js';
export { ErrorCodes, VeilError, isVeilError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { applyPolicy, resolvePolicy, PRESETS, DEFAULT_CLASS_RULES } from './policy.js';
export type { ClassRule, Policy, PolicyCategory, PolicyOptions, PolicyPreset, Thresholds, Verdict } from './policy.js';
export { NUDENET_CLASSES } from './local/labels.js';
export type {
  Box,
  Categories,
  Decision,
  Detection,
  InputInfo,
  InputType,
  Label,
  ModerationResult,
  NudeNetClass,
  NudeNetDetection,
  RuntimeInfo,
  Timings,
} from './result.js';
export type { DetectorInfo } from './local/protocol.js';
