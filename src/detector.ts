/**
 * What a detector is, whatever screens the images: the worker in this page, a
 * remote service, or the auto detector that picks between them. Types only:
 * every detector implements them, and create-detector.ts builds one.
 */
import type { DetectInput, WorkerInfo } from './types.js';
import type { Mode } from './options.js';
import type { PolicyOptions, PolicyPreset } from './policy.js';
import type { Decision, ModerationResult, VideoFrameResult, VideoResult } from './result.js';

export interface DetectOptions {
  /** Aborting rejects the call with code 4099 and drops it from the worker's queue. */
  signal?: AbortSignal;
}

/** What detectVideo() accepts: the clip's file or bytes, its URL, or a <video> playing a file (its currentSrc is read). */
export type VideoInput = Blob | ArrayBuffer | ArrayBufferView | string | URL | HTMLVideoElement;

export interface DetectVideoOptions extends DetectOptions {
  /** Seconds between sampled frames; default 1. The clip's last frame is always sampled too. */
  everySeconds?: number;
  /** Most frames screened; default 60. A clip with more samples has this many, spread evenly from its first frame to its last. */
  maxFrames?: number;
  /** Stop at the first frame whose decision is this or worse; default `block`; null screens every sampled frame. */
  stopAt?: Exclude<Decision, 'pass'> | null;
  /** Called on the page after each frame is screened, in order. */
  onFrame?: (frame: VideoFrameResult) => void;
}

/** A detector running NudeNet in this page's worker. */
export interface LocalDetectorInfo extends WorkerInfo {
  location: 'local';
  mode: Mode;
}

/** A detector asking a remote service. */
export interface RemoteDetectorInfo {
  location: 'remote';
  mode: Mode;
  /** The dialect spoken, e.g. `gateway`. */
  dialect: string;
  /** The service's URL, without its query. */
  endpoint: string;
  /** Why images go remote, in `auto` mode; empty in `remote` mode. */
  notes: string[];
}

export type DetectorInfo = LocalDetectorInfo | RemoteDetectorInfo;

/** What `warmUp()` did. */
export interface WarmUpReport {
  /** The inference time (ms) of each warm-up run this call made; empty when the detector was already warm, busy with images, or remote. */
  inference_ms: number[];
}

export interface Detector {
  /** Screens one image. Calls may overlap: each gets its own result. */
  detect(input: DetectInput, options?: DetectOptions): Promise<ModerationResult>;
  /**
   * Screens a small image of the detector's own until its code runs at full
   * speed (the first inferences are several times slower while the browser
   * optimises the WebAssembly), stopping as soon as an image of yours arrives.
   * A local detector does this by itself once the page is idle after the model
   * loads, unless `warmUp: false`; call it to warm up at a moment you choose.
   */
  warmUp(): Promise<WarmUpReport>;
  /**
   * Screens a video clip (WebM or MP4): samples frames over it, screens each like
   * an image, and answers with the deciding frame's result plus a `video` field.
   */
  detectVideo(input: VideoInput, options?: DetectVideoOptions): Promise<VideoResult>;
  /** Replaces the policy for later calls. */
  setPolicy(policy: PolicyOptions | PolicyPreset): void;
  /** Where images are screened, and why; in `auto` mode it follows the current route. */
  readonly info: Readonly<DetectorInfo>;
  /** Stops the detector and rejects pending calls with code 4100. Safe to call twice. */
  dispose(): void;
}
