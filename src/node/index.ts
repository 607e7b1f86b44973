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
export * from '../core.js';
export type { AnimationInfo } from '../result.js';
