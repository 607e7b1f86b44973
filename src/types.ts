/**
 * Plain types that the detector's interface (detector.ts) shares with its
 * implementations, kept here so the interface imports no implementation module.
 */

/** Everything `detect()` accepts. */
export type DetectInput =
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | string
  | URL
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | OffscreenCanvas
  | ImageBitmap
  | ImageData;

/** What the worker reports about the detector once its sessions are up: provider, model and input side are NudeNet's, or the classifier's when it runs alone. */
export interface WorkerInfo {
  provider: 'webgpu' | 'wasm';
  /**
   * The onnxruntime-web build running it: `wasm` (the WASM provider), or for
   * WebGPU `jspi` (browsers with JS Promise Integration) or `asyncify` (others).
   */
  runtimeBuild: 'wasm' | 'jspi' | 'asyncify';
  threads: number;
  model: string;
  inputSize: number;
  /** Whether the model came from Cache Storage rather than the network. */
  modelCached: boolean;
  /** Why providers before the one in use were skipped. */
  notes: string[];
  /** The whole-image classifier running beside (or instead of) NudeNet, if any. */
  classifier: { name: string; provider: 'webgpu' | 'wasm'; runtimeBuild: 'wasm' | 'jspi' | 'asyncify'; inputSize: number } | null;
}
