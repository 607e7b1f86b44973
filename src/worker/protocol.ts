/**
 * What crosses between the page and the detector worker. Only plain data,
 * Blobs, ImageBitmaps and ImageData: everything here is structured-cloneable.
 */
import type { ModelProgress } from '../options.js';
import type { LocalOptions } from '../resolve-options.js';
import type { WorkerInfo } from '../types.js';
import type { Policy } from '../policy.js';
import type { InputType, ModerationResult, VideoFrameResult, VideoResult } from '../result.js';
import type { VideoPlan } from '../video/plan.js';

/** How the worker's 5020 begins its advice when onnxruntime-web's own files did not load: fewer threads will not help then. */
export const FILES_DID_NOT_LOAD = "onnxruntime-web's files did not load";

/** An input the page has reduced to something a worker can receive. */
export type WorkerInput =
  | { kind: 'blob'; type: InputType; source: string; blob: Blob }
  | { kind: 'bytes'; type: InputType; source: string; bytes: Uint8Array; declaredMime?: string }
  | { kind: 'text'; type: InputType; source: string; text: string }
  | { kind: 'url'; type: InputType; source: string; url: string }
  | { kind: 'bitmap'; type: InputType; source: string; bitmap: ImageBitmap }
  | { kind: 'imagedata'; type: InputType; source: string; image: ImageData };

/** The worker's API, as exposed through comlink. */
export interface WorkerApi {
  init(options: LocalOptions, onProgress?: (progress: ModelProgress) => void): Promise<WorkerInfo>;
  /** Takes the Web Lock named `lock` for the worker's whole life; resolves once it is held, so the page can watch for the worker's death from then on. */
  hold(lock: string): Promise<void>;
  /** Starts the runtime and the models' downloads for `init` with these options to take over; settles when those have ended. */
  preload(options: LocalOptions): Promise<void>;
  detect(id: number, input: WorkerInput): Promise<ModerationResult>;
  /** Screens a clip (a Blob, bytes or URL); `onFrame` hears of each frame as it is judged. */
  detectVideo(id: number, input: Extract<WorkerInput, { kind: 'blob' | 'bytes' | 'url' }>, plan: VideoPlan, onFrame?: (frame: VideoFrameResult) => unknown): Promise<VideoResult>;
  /** Drops a queued call, or stops a running one at its next stage. */
  cancel(id: number): void;
  setPolicy(policy: Policy): void;
  /** Screens a small image of the worker's own until the code is warm or a call arrives; each run's inference time (ms). */
  warmUp(): Promise<number[]>;
}
