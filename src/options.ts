/**
 * Options of `createDetector`: their types, defaults and validation, in one place.
 * Validation happens before any worker starts, with sentences that say what to change.
 */
import { ErrorCodes, VeilError } from './errors.js';
import { IMAGE_FORMATS, type ImageFormat } from './image/sniff.js';
import { resolvePolicy, type Policy, type PolicyOptions, type PolicyPreset } from './policy.js';
import { DIALECT_NAMES, type Dialect, type DialectName } from './remote/dialect.js';
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
  /** Largest file in bytes; default 20 MB. */
  maxBytes?: number;
  /** Largest image in pixels (width x height), read from the file header before decoding; default 40 megapixels. */
  maxPixels?: number;
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
  maxBytes: 20 * 1024 * 1024,
  maxPixels: 40_000_000,
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

/** A model file to load: from a URL, or bytes handed in. */
export type ResolvedModel = { url: string } | { bytes: Uint8Array };

/** A classifier to load; the worker completes a built-in one's description from the model manifest. */
export interface ResolvedClassifier {
  name: string;
  model: ResolvedModel;
  /** The caller's own description, checked in the worker; null for a built-in name. */
  description: ClassifierOptions | null;
}

/** Options after defaults and validation; everything here can cross to the worker. */
export interface ResolvedOptions {
  /** NudeNet; null when a classifier runs alone. */
  model: ResolvedModel | null;
  classifier: ResolvedClassifier | null;
  providers: Provider[];
  policy: Policy;
  threads: number;
  cacheModel: boolean;
  warmUp: boolean;
  wasmPaths: string | undefined;
  decode: DecodeMode;
  /** Results remembered by the worker, keyed by the input's SHA-256. */
  cache: CacheOption;
  limits: Required<InputLimits>;
  /** A Web Lock the worker holds for its whole life, so the page learns when it dies. */
  lifeLock?: string;
}

export interface ResolvedRemote {
  endpoint: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  timeoutMs: number;
  dialect: Dialect | DialectName;
}

/** Everything about where images go; resolved on the page, never sent to the worker. */
export interface Routing {
  mode: Mode;
  remote: ResolvedRemote | null;
  maxLocalLatencyMs: number;
  onBeforeRemote: DetectorOptions['onBeforeRemote'];
  allowClassifierOnly: boolean;
  cache: CacheOption;
  policy: Policy;
  /** Checked before an image is sent anywhere, as the worker checks them before decoding. */
  limits: Required<InputLimits>;
}

/** Every option resolved once: where images go, and what the worker needs when they stay local. */
export interface Resolved {
  routing: Routing;
  /** Null in `remote` mode, which needs no model. */
  local: ResolvedOptions | null;
}

const bad = (message: string) => new VeilError(ErrorCodes.BAD_OPTION, message);

function resolveClassifier(classifier: unknown, baseUrl: string): ResolvedClassifier | null {
  if (classifier === undefined) return null;
  const builtIn = (name: unknown): name is ClassifierName => (CLASSIFIER_NAMES as readonly unknown[]).includes(name);
  if (typeof classifier === 'string') {
    if (!builtIn(classifier)) throw bad(`Unknown classifier "${classifier}": use one of ${CLASSIFIER_NAMES.join(', ')}, or describe yours with { name, model, inputSize, classes, categories }.`);
    return { name: classifier, model: resolveModel(`models/${classifier}.onnx`, baseUrl), description: null };
  }
  if (typeof classifier !== 'object' || classifier === null || typeof (classifier as ClassifierOptions).name !== 'string') {
    throw bad('`classifier` must be a built-in classifier name or an object with at least `name` and `model`.');
  }
  const options = classifier as ClassifierOptions;
  if (options.model === undefined && !builtIn(options.name)) throw bad(`\`classifier.model\` is required for "${options.name}": the URL or bytes of its .onnx file.`);
  const model = resolveModel(options.model ?? `models/${options.name}.onnx`, baseUrl);
  const { model: _file, ...description } = options;
  return { name: options.name, model, description: builtIn(options.name) && Object.keys(description).length === 1 ? null : description };
}

function resolveModel(model: unknown, baseUrl: string): ResolvedModel {
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model) };
  if (model instanceof Uint8Array) return { bytes: model };
  if (typeof model === 'string' || model instanceof URL) {
    if (String(model).trim() === '') throw bad('The model URL is empty: pass the URL of a NudeNet .onnx file.');
    return { url: new URL(String(model), baseUrl).href };
  }
  throw bad(
    'Pass `model`: the URL of a NudeNet .onnx file (run `npx veil-nsfw models 320n` to put 320n.onnx in public/models/), or its bytes as an ArrayBuffer or Uint8Array.',
  );
}

/** How pixels are decoded: see DetectorOptions.decode. */
export type DecodeMode = 'exact' | 'fast';

function resolveDecode(decode: unknown): DecodeMode {
  if (decode === undefined) return 'exact';
  if (decode !== 'exact' && decode !== 'fast') throw bad(`\`decode\` must be "exact" or "fast"; got ${String(decode)}.`);
  return decode;
}

function defaultThreads(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return globalThis.crossOriginIsolated ? Math.max(1, cores) : 1;
}

export function resolveLimits(limits: InputLimits | undefined): Required<InputLimits> {
  if (limits === undefined) return { ...DEFAULT_LIMITS, formats: [...DEFAULT_LIMITS.formats] };
  if (typeof limits !== 'object' || limits === null) throw bad('`limits` must be an object.');
  const merged = { ...DEFAULT_LIMITS, ...limits };
  for (const key of ['maxBytes', 'maxPixels', 'maxFrames', 'fetchTimeoutMs', 'maxVideoBytes', 'maxVideoSeconds'] as const) {
    const value = merged[key];
    if (typeof value !== 'number' || !(value >= 1) || !Number.isFinite(value)) {
      throw bad(`\`limits.${key}\` must be a positive number; got ${String(value)}.`);
    }
  }
  if (!Array.isArray(merged.formats) || merged.formats.length === 0 || merged.formats.some((f) => !IMAGE_FORMATS.includes(f))) {
    throw bad(`\`limits.formats\` must list some of ${IMAGE_FORMATS.join(', ')}.`);
  }
  return { ...merged, formats: [...new Set(merged.formats)], maxFrames: Math.floor(merged.maxFrames), allowSvg: merged.allowSvg === true };
}

function resolveCache(cache: unknown): CacheOption {
  if (cache === undefined) return 'memory';
  if (cache === 'memory' || cache === 'indexeddb' || cache === false) return cache;
  throw bad(`\`cache\` must be 'memory', 'indexeddb' or false; got ${String(cache)}.`);
}

function resolveRemote(remote: RemoteOptions | undefined, mode: Mode, baseUrl: string): ResolvedRemote | null {
  if (remote === undefined) {
    if (mode === 'local') return null;
    throw bad(`Mode "${mode}" needs \`remote: { url }\`: the gateway to send images to.`);
  }
  if (typeof remote !== 'object' || remote === null || !remote.url || String(remote.url).trim() === '') {
    throw bad('`remote.url` is required: the gateway endpoint, e.g. https://gateway.example/api/image-nsfw.');
  }
  const timeoutMs = remote.timeoutMs ?? 15_000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw bad(`\`remote.timeoutMs\` must be a positive number of milliseconds; got ${String(timeoutMs)}.`);
  const dialect = remote.dialect ?? 'gateway';
  if (typeof dialect === 'string') {
    if (dialect === 'tencent-ai') throw bad('The tencent-ai dialect needs its appId: pass dialect: tencentAiDialect({ appId }) from "veil-nsfw/dialects".');
    if (!(DIALECT_NAMES as readonly string[]).includes(dialect)) throw bad(`Unknown dialect "${dialect}": use one of ${DIALECT_NAMES.join(', ')}, or a dialect object.`);
  } else if (typeof dialect !== 'object' || dialect === null || typeof dialect.screen !== 'function') {
    throw bad('`remote.dialect` must be a dialect name or an object with `name` and `screen(image, context)`.');
  }
  return {
    endpoint: new URL(String(remote.url), baseUrl).href,
    apiKey: remote.apiKey,
    headers: { ...remote.headers },
    timeoutMs,
    dialect,
  };
}

function resolveLocal(options: DetectorOptions, baseUrl: string, shared: Pick<ResolvedOptions, 'policy' | 'cache' | 'limits'>): ResolvedOptions {
  const providers = options.providers ?? [...PROVIDERS];
  if (!Array.isArray(providers) || providers.length === 0) {
    throw bad('`providers` must be a non-empty array of "webgpu" and/or "wasm".');
  }
  for (const p of providers) {
    if (!PROVIDERS.includes(p)) throw bad(`Unsupported provider "${String(p)}": use "webgpu" or "wasm".`);
  }

  let threads = defaultThreads();
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw bad(`\`threads\` must be a whole number of at least 1; got ${String(options.threads)}.`);
    }
    if (options.threads > 1 && !globalThis.crossOriginIsolated) {
      throw bad(
        'WASM threads need a cross-origin isolated page: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, or leave `threads` unset.',
      );
    }
    threads = options.threads;
  }

  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw bad('`onProgress` must be a function.');
  }
  if (options.warmUp !== undefined && typeof options.warmUp !== 'boolean') {
    throw bad(`\`warmUp\` must be true or false; got ${String(options.warmUp)}.`);
  }

  const classifier = resolveClassifier(options.classifier, baseUrl);
  return {
    ...shared,
    model: options.model === undefined && classifier ? null : resolveModel(options.model, baseUrl),
    classifier,
    providers: [...new Set(providers)],
    threads,
    cacheModel: options.cacheModel ?? true,
    warmUp: options.warmUp ?? true,
    decode: resolveDecode(options.decode),
    wasmPaths: options.wasmPaths === undefined ? undefined : new URL(options.wasmPaths, baseUrl).href,
  };
}

/**
 * Every option of createDetector, validated once before any worker starts or
 * request leaves; throws VeilError 4001 with a sentence saying what to change.
 */
export function resolveDetectorOptions(options: DetectorOptions, baseUrl: string): Resolved {
  if (typeof options !== 'object' || options === null) {
    throw bad('createDetector needs an options object: at least `model`, or `mode: "remote"` with `remote`.');
  }
  const mode = options.mode ?? 'local';
  if (mode !== 'local' && mode !== 'remote' && mode !== 'auto') {
    throw bad(`Unknown mode "${String(mode)}": use local, remote or auto.`);
  }
  const maxLocalLatencyMs = options.maxLocalLatencyMs ?? 1000;
  if (typeof maxLocalLatencyMs !== 'number' || !(maxLocalLatencyMs > 0)) {
    throw bad(`\`maxLocalLatencyMs\` must be a positive number; got ${String(maxLocalLatencyMs)}.`);
  }
  if (options.onBeforeRemote !== undefined && typeof options.onBeforeRemote !== 'function') {
    throw bad('`onBeforeRemote` must be a function returning true or false.');
  }
  const allowClassifierOnly = options.allowClassifierOnly ?? false;
  if (typeof allowClassifierOnly !== 'boolean') throw bad('`allowClassifierOnly` must be true or false.');
  const shared = { policy: resolvePolicy(options.policy), cache: resolveCache(options.cache), limits: resolveLimits(options.limits) };
  const routing: Routing = {
    ...shared,
    mode,
    remote: resolveRemote(options.remote, mode, baseUrl),
    maxLocalLatencyMs,
    onBeforeRemote: options.onBeforeRemote,
    allowClassifierOnly,
  };
  return { routing, local: mode === 'remote' ? null : resolveLocal(options, baseUrl, shared) };
}
