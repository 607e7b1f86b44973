/**
 * Veil: screens images for nudity inside the browser, with NudeNet running in a
 * Web Worker, and answers in the image-nsfw gateway's result schema.
 */
export * from './core.js';
export { createDetector } from './create-detector.js';
export { preload } from './preload.js';
export type { Detector, DetectOptions, DetectorInfo, DetectVideoOptions, LocalDetectorInfo, RemoteDetectorInfo, VideoInput, WarmUpReport } from './detector.js';
export type { DetectInput } from './types.js';
export type { CacheOption, ClassifierOptions, DetectorOptions, Mode, ModelSource, Provider, RemoteOptions, RemoteRequest } from './options.js';
export type { Dialect, DialectName, RemoteContext, RemoteImage, RemoteVerdict } from './remote/dialect.js';
export type { Capabilities, Route, RouteInput } from './auto/rule.js';
export type { LocalRuntime, RemoteRuntime, RuntimeInfo, VideoFrameResult, VideoFrameVerdict, VideoInfo, VideoResult } from './result.js';
export { screenUploads } from './dom/screen-uploads.js';
export type { FileState, RefusedReason, ScreenMessages, ScreenState, ScreenUploadsOptions, ScreenedFile, UploadScreen } from './dom/screen-uploads.js';
export { blurOnRender } from './dom/blur-on-render.js';
export type { BlurController, BlurLabels, BlurOnRenderOptions, BlurState } from './dom/blur-on-render.js';
export { censor, CENSORED_CLASSES } from './dom/censor.js';
export type { CensorInput, CensorOptions, CensorStyle } from './dom/censor.js';
export { watchVideo } from './dom/watch-video.js';
export type { VideoWatch, VideoWatchState, WatchVideoOptions, WatchedFrame } from './dom/watch-video.js';
export type { DetectorLike, DetectorSource } from './dom/shared.js';
