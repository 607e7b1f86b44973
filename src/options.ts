/**
 * Options of `createDetector`: their types, defaults and validation, in one place.
 * Validation happens before any worker starts, with sentences that say what to change.
 */
import { ErrorCodes, VeilError } from './errors.js';
import { resolvePolicy, type Policy, type PolicyOptions, type PolicyPreset } from './policy.js';

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

export interface DetectorOptions {
  /**
   * The NudeNet ONNX model: a URL (relative URLs resolve against the page), or its
   * bytes. `npm run model:fetch -- 320n` puts NudeNet's 320n.onnx in public/models/.
   */
  model: string | URL | ArrayBuffer | Uint8Array;
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
   * Where onnxruntime-web's .wasm files are served from (a URL prefix ending in /).
   * Default: next to Veil's worker, where the build puts them.
   */
  wasmPaths?: string;
  /** Veil's worker script, when it is served from somewhere other than next to the library. */
  workerUrl?: string | URL;
}

/** Options after defaults and validation; everything here can cross to the worker. */
export interface ResolvedOptions {
  model: { url: string } | { bytes: Uint8Array };
  providers: Provider[];
  policy: Policy;
  threads: number;
  cacheModel: boolean;
  wasmPaths: string | undefined;
}

const bad = (message: string) => new VeilError(ErrorCodes.BAD_OPTION, message);

function resolveModel(model: unknown, baseUrl: string): ResolvedOptions['model'] {
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model) };
  if (model instanceof Uint8Array) return { bytes: model };
  if (typeof model === 'string' || model instanceof URL) {
    if (String(model).trim() === '') throw bad('The model URL is empty: pass the URL of a NudeNet .onnx file.');
    return { url: new URL(String(model), baseUrl).href };
  }
  throw bad(
    'Pass `model`: the URL of a NudeNet .onnx file (run `npm run model:fetch -- 320n` to put 320n.onnx in public/models/), or its bytes as an ArrayBuffer or Uint8Array.',
  );
}

function defaultThreads(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  return globalThis.crossOriginIsolated ? Math.max(1, cores) : 1;
}

export function resolveOptions(options: DetectorOptions, baseUrl: string): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw bad('createDetector needs an options object with at least `model`.');
  }
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

  return {
    model: resolveModel(options.model, baseUrl),
    providers: [...new Set(providers)],
    policy: resolvePolicy(options.policy),
    threads,
    cacheModel: options.cacheModel ?? true,
    wasmPaths: options.wasmPaths === undefined ? undefined : new URL(options.wasmPaths, baseUrl).href,
  };
}
