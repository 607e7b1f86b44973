/**
 * Options of `createDetector` as users write them: their types and defaults.
 * Checking them and filling in defaults is resolve-options.ts's work.
 */
import { IMAGE_FORMATS, type ImageFormat } from './image/sniff.js';
import type { PolicyOptions, PolicyPreset } from './policy.js';
import type { Dialect, DialectName } from './remote/dialect.js';
import type { InputInfo } from './result.js';
import type { ClassifierDescription, ClassifierPreprocessing } from './classifier/spec.js';

export type { ImageFormat };

/**
 * Where images are screened: `local` never sends an image anywhere; `remote`
 * always asks the gateway; `auto` runs locally when the device is up to it and
 * remotely otherwise (the rule is in docs/remote.md).
 */
export type Mode = 'local' | 'remote' | 'auto';

export interface RemoteOptions {
  /** The service's endpoint, e.g. https://gateway.example/api/image-nsfw. */
  url: string | URL;
  /** Sent as the dialect requires (X-Api-Key for the gateway). Never logged or put in a result. */
  apiKey?: string;
  /** The whole remote call's budget, in ms; default 15000. The gateway is told the same, in seconds (3..60). */
  timeoutMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Which protocol to speak; default `gateway` (the image-nsfw gateway API). */
  dialect?: Dialect | DialectName;
}

/** What `onBeforeRemote` is told before an image leaves the page. */
export interface RemoteRequest {
  /** Why this image is going remote. */
  reason: string;
  endpoint: string;
  input: InputInfo;
}


/** What Veil accepts as input; anything outside is refused with a code before it costs memory. */
export interface InputLimits {
  /** Largest file in bytes; default 64 MiB, above what a 200-megapixel phone photo weighs (docs/limits-and-security.md). */
  maxBytes?: number;
  /**
   * Largest image in pixels (width x height), read from the file header before
   * decoding; default 200 megapixels, the largest phone cameras (16320 x 12240).
   */
  maxPixels?: number;
  /**
   * The memory ceiling: the most pixels decoded at once; default 40 megapixels
   * (160 MB as RGBA). An image within it is decoded whole, exactly. A JPEG over
   * it is decoded at 1/2, 1/4 or 1/8 of its size, the largest that fits
   * (libjpeg-turbo's scaled IDCT), and its result's `notes` say so; any other
   * format over it is refused (4004) before decoding, since no decoder here can
   * scale it while decoding.
   */
  maxDecodePixels?: number;
  /** Accepted formats (from the file's signature); default all six. */
  formats?: ImageFormat[];
  /** SVG can carry script, so it is refused unless this is true; then it is rasterised like an <img> (no script runs). */
  allowSvg?: boolean;
  /** Frames scanned in an animated GIF or WebP, spread over the animation; default 8. */
  maxFrames?: number;
  /** Time allowed to fetch an image URL, in ms; default 15000. */
  fetchTimeoutMs?: number;
  /** Largest clip detectVideo() reads, in bytes; default 200 MB. */
  maxVideoBytes?: number;
  /** Longest clip detectVideo() screens, in seconds; default 3600. */
  maxVideoSeconds?: number;
}

export const DEFAULT_LIMITS: Required<InputLimits> = {
  maxBytes: 64 * 1024 * 1024,
  maxPixels: 200_000_000,
  maxDecodePixels: 40_000_000,
  formats: [...IMAGE_FORMATS],
  allowSvg: false,
  maxFrames: 8,
  fetchTimeoutMs: 15_000,
  maxVideoBytes: 200 * 1024 * 1024,
  maxVideoSeconds: 3600,
};

/** Where results are remembered by the image's SHA-256, so no image is scanned or sent twice. */
export type CacheOption = 'memory' | 'indexeddb' | false;

/** Execution providers Veil can run NudeNet on, in onnxruntime-web's names. */
export type Provider = 'webgpu' | 'wasm';
export const PROVIDERS: readonly Provider[] = ['webgpu', 'wasm'];

/** Model download progress; `total` is 0 when the server sends no length. */
export interface ModelProgress {
  /** The model URL, or `buffer` for a model passed as bytes. */
  model: string;
  loaded: number;
  total: number;
  /** True when the model came from Cache Storage instead of the network. */
  cached: boolean;
}

/** A model file: its URL (relative URLs resolve against the page), or its bytes. */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array;

/** The whole-image classifiers Veil knows by name (nsfwjs's, converted by `npx veil-nsfw models`). */
export const CLASSIFIER_NAMES = ['nsfwjs-mobilenet-v2', 'nsfwjs-mobilenet-v2-mid', 'nsfwjs-inception-v3'] as const;
export type ClassifierName = (typeof CLASSIFIER_NAMES)[number];

/**
 * A classifier described by the caller: its file, and (unless `name` is a built-in
 * one) its input side, classes, their categories and its preprocessing.
 */
export interface ClassifierOptions extends Partial<Omit<ClassifierDescription, 'preprocessing'>> {
  name: string;
  model?: ModelSource;
  preprocessing?: Partial<ClassifierPreprocessing>;
}

export interface DetectorOptions {
  /**
   * The NudeNet ONNX model: a URL (relative URLs resolve against the page), or its
   * bytes. `npx veil-nsfw models 320n` puts NudeNet's 320n.onnx in public/models/.
   * Required unless `mode` is `remote` or a `classifier` runs alone.
   */
  model?: ModelSource;
  /**
   * A whole-image classifier to run beside NudeNet, or alone: a built-in name (its
   * file loads from `models/<name>.onnx` next to the page) or a description.
   */
  classifier?: ClassifierName | ClassifierOptions;
  /** Default `local`. */
  mode?: Mode;
  /** The remote service, for `remote` and `auto` modes. */
  remote?: RemoteOptions;
  /** In `auto` mode, a warm local inference slower than this (ms) sends images remote; default 1000. */
  maxLocalLatencyMs?: number;
  /**
   * In `auto` mode with both `model` and `classifier`: a device too slow for both
   * screens locally with the classifier alone (no part boxes) when that fits
   * `maxLocalLatencyMs`, before sending anything remote. Default false.
   */
  allowClassifierOnly?: boolean;
  /** In `auto` mode, asked before an image leaves the page; false (or a rejection) keeps it local-only and fails the call with 4020. */
  onBeforeRemote?: (request: RemoteRequest) => boolean | Promise<boolean>;
  /** Remember results by SHA-256 in memory (default), also in IndexedDB across page loads, or not at all. */
  cache?: CacheOption;
  /** Input limits: sizes, formats, SVG, animation frames, URL fetch time. */
  limits?: InputLimits;
  /** Tried in order; default `['webgpu', 'wasm']`. */
  providers?: Provider[];
  /** A preset name or a policy; default `balanced`. */
  policy?: PolicyOptions | PolicyPreset;
  /** Called as the model downloads (and once when it comes from the cache). */
  onProgress?: (progress: ModelProgress) => void;
  /**
   * WASM threads. Default: as many as the device has cores when the page is
   * cross-origin isolated, otherwise 1 (threads need SharedArrayBuffer).
   */
  threads?: number;
  /** Keep the downloaded model in Cache Storage so later page loads skip the download; default true. */
  cacheModel?: boolean;
  /**
   * Warm the detector up when the page is next idle after the model loads (see
   * `Detector.warmUp`), so the first image is screened at full speed; default true.
   */
  warmUp?: boolean;
  /**
   * `exact` (default): pixels byte for byte as OpenCV's `imread` and the browser's
   * canvas give them, so results match NudeNet's. `fast`: a JPEG several times
   * larger than the model input is decoded at a reduced scale (libjpeg-turbo's
   * scaled IDCT, through WebCodecs), at least twice the input on its long side;
   * scores and boxes may then move slightly from NudeNet's (docs/performance.md
   * has the measured drift). Boxes stay in the image's own pixels.
   */
  decode?: DecodeMode;
  /**
   * Where onnxruntime-web's .wasm files are served from (a URL prefix ending in /).
   * Default: next to Veil's worker, where the build puts them.
   */
  wasmPaths?: string;
  /** Veil's worker script, when it is served from somewhere other than next to the library. */
  workerUrl?: string | URL;
}

/** How pixels are decoded: see DetectorOptions.decode. */
export type DecodeMode = 'exact' | 'fast';
