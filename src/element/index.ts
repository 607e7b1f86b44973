/**
 * `veil-nsfw/element`: the `<veil-image>` custom element, registered by
 * defineVeilImage(). Works in any framework; nothing runs until it is called.
 */
export { defineVeilImage } from './veil-image.js';
export type { DefineVeilImageOptions, VeilErrorDetail, VeilImageDetector, VeilImageElement, VeilImageMode, VeilResultDetail } from './veil-image.js';
export type { BlurLabels, BlurState } from '../dom/blur-on-render.js';
export type { DetectorLike } from '../dom/shared.js';
export type { DetectorOptions } from '../options.js';
export type { PolicyOptions, PolicyPreset } from '../policy.js';
export type { ModerationResult } from '../result.js';
