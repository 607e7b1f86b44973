/**
 * Options of `createDetector` checked and completed: defaults filled in, with
 * sentences that say what to change, before any worker starts. The result is
 * split by where it is used: routing stays on the page, LocalOptions go to the
 * worker.
 */
import { ErrorCodes, VeilError } from './errors.js';
import { IMAGE_FORMATS } from './image/sniff.js';
import {
  CLASSIFIER_NAMES,
  DEFAULT_LIMITS,
  PROVIDERS,
  type CacheOption,
  type ClassifierName,
  type ClassifierOptions,
  type DecodeMode,
  type DetectorOptions,
  type InputLimits,
  type Mode,
  type Provider,
  type RemoteOptions,
} from './options.js';
import { resolvePolicy, type Policy } from './policy.js';
import { DIALECT_NAMES, type Dialect, type DialectName } from './remote/dialect.js';

/** A model file to load: from a URL, or bytes handed in. */
export type ResolvedModel = { url: string } | { bytes: Uint8Array };

/** A classifier to load; the worker completes a built-in one's description from the model manifest. */
export interface ResolvedClassifier {
  name: string;
  model: ResolvedModel;
  /** The caller's own description, checked in the worker; null for a built-in name. */
  description: ClassifierOptions | null;
}

/** The local path's options after defaults and validation: what the worker runs with; everything here can cross to it. */
export interface LocalOptions {
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
export interface ResolvedDetectorOptions {
  routing: Routing;
  /** Null in `remote` mode, which needs no model. */
  local: LocalOptions | null;
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
  for (const key of ['maxBytes', 'maxPixels', 'maxDecodePixels', 'maxFrames', 'fetchTimeoutMs', 'maxVideoBytes', 'maxVideoSeconds'] as const) {
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

function resolveLocal(options: DetectorOptions, baseUrl: string, shared: Pick<LocalOptions, 'policy' | 'cache' | 'limits'>): LocalOptions {
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
export function resolveDetectorOptions(options: DetectorOptions, baseUrl: string): ResolvedDetectorOptions {
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
