/**
 * Everything onnxruntime-web: the only module that imports it. It tries the
 * execution providers in the caller's order, keeps the reason each one was
 * skipped, checks the model is a NudeNet detector, and runs one inference at a
 * time (onnxruntime-web rejects overlapping runs on one session).
 *
 * Each provider loads its own onnxruntime-web build, and only when it is tried:
 * a device without WebGPU never downloads the WebGPU runtime, and the plain WASM
 * build is about half the size.
 */
import type * as Ort from 'onnxruntime-web';
import { ErrorCodes, VeilError } from '../errors.js';
import type { Provider } from '../options.js';
import { bindModel, type BoundModel, type OpenSession } from '../nudenet/contract.js';
import { ADAPTER_WAIT_MS, NO_ANSWER, requestAdapter } from '../webgpu-adapter.js';
import { FILES_DID_NOT_LOAD } from './protocol.js';

export interface SessionOptions {
  providers: Provider[];
  threads: number;
  wasmPaths: string | undefined;
}

export interface DetectorSession {
  readonly provider: Provider;
  /** The onnxruntime-web build it runs on. */
  readonly build: RuntimeBuild;
  readonly threads: number;
  /** The model's square input side, read from its `images` input. */
  readonly inputSize: number;
  /** Why each provider tried before this one was skipped. */
  readonly notes: string[];
  /** Runs the model on a [1, 3, S, S] tensor and returns `output0`'s values. */
  run(tensor: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

type OrtModule = typeof Ort;

type PolicyFactory = { defaultPolicy: unknown; createPolicy(name: string, rules: object): unknown };

/**
 * onnxruntime-web starts its WASM threads as workers from this worker. Where the
 * site enforces Trusted Types, those worker URLs need a policy: a `default` one in
 * this worker's own global, passing same-origin script URLs only. If the site's
 * CSP does not allow that name, WASM runs on one thread instead, and says so.
 */
function workerScriptsAllowed(): boolean {
  const factory = (globalThis as { trustedTypes?: PolicyFactory }).trustedTypes;
  if (!factory || factory.defaultPolicy) return true;
  try {
    factory.createPolicy('default', {
      createScriptURL: (url: string) => {
        if (new URL(url, self.location.href).origin !== self.location.origin) throw new TypeError(`Veil's worker only starts same-origin scripts, not ${url}`);
        return url;
      },
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * WebKitGTK (2.50, the engine of Safari built for Linux) is cross-origin isolated
 * under COOP + COEP and shares WebAssembly memory between workers, but leaves the
 * global `SharedArrayBuffer` out: JavaScriptCore's `useSharedArrayBuffer` option is
 * off in that port. onnxruntime-web's thread start checks that global, so every
 * thread fails there ("pthread_create failed"). Threads need only the shared memory,
 * so the constructor is taken from a shared WebAssembly.Memory's buffer and put
 * where the check looks. Returns whether threads can start in this worker.
 */
export function exposeSharedArrayBuffer(): boolean {
  const scope = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (typeof scope.SharedArrayBuffer === 'function') return true;
  if (!scope.crossOriginIsolated) return false;
  try {
    const constructor = new WebAssembly.Memory({ initial: 0, maximum: 0, shared: true }).buffer.constructor;
    Object.defineProperty(globalThis, 'SharedArrayBuffer', { value: constructor, writable: true, configurable: true, enumerable: false });
    return true;
  } catch {
    return false;
  }
}

/**
 * onnxruntime-web starts each WASM thread from the script that holds its own
 * code. Built as Veil ships it, or by Vite (ES workers) or webpack, that is
 * onnxruntime-web's file; only when a bundler inlines it into a classic-script
 * worker (Vite's default worker format, 'iife') is it this worker's script, where
 * onnxruntime-web is only imported later and the thread would wait forever. The
 * thread fails instead, and `threadFailure` turns that into a VeilError.
 */
const INLINED_THREAD =
  "onnxruntime-web's WASM threads cannot start: the bundler put onnxruntime-web inside Veil's worker built as a classic script. Build workers as ES modules (Vite: worker: { format: 'es' } in vite.config).";
if ((globalThis as { name?: string }).name?.startsWith('em-pthread')) throw new Error(INLINED_THREAD);

/** Rejects when a thread failed as above: onnxruntime-web rethrows its error here, uncaught. */
function threadFailure(): { promise: Promise<never>; stop(): void } {
  let stop = () => {};
  const promise = new Promise<never>((_, reject) => {
    const onError = (event: ErrorEvent) => {
      const error = event.error as { message?: unknown } | undefined;
      if (!String(error?.message ?? event.message).includes(INLINED_THREAD)) return;
      event.preventDefault();
      reject(new VeilError(ErrorCodes.WORKER_FAILED, INLINED_THREAD));
    };
    self.addEventListener('error', onError);
    stop = () => self.removeEventListener('error', onError);
  });
  promise.catch(() => undefined);
  return { promise, stop: () => stop() };
}

/**
 * How a failure reads when onnxruntime-web's own files (its .mjs runtime next to
 * this worker, its .wasm) did not arrive: a 404, or an HTML fallback page served
 * in their place. Moving or serving files is the fix then, not another provider.
 */
const FILES_MISSING = /dynamically imported module|Importing a module script failed|Failed to fetch|magic word|\.wasm|\b404\b/i;

/**
 * The onnxruntime-web build that runs a provider. WebGPU's calls into the GPU are
 * asynchronous, which synchronous WebAssembly can only wait for when rewritten by
 * Asyncify (26.8 MB, 6.6 MB gzip) or through JS Promise Integration (16.8 MB,
 * 4.1 MB gzip, and no rewriting): the JSPI build where the browser has JSPI
 * (Chromium 137 and later), else Asyncify. WASM needs neither.
 */
export type RuntimeBuild = 'wasm' | 'jspi' | 'asyncify';
export const runtimeBuild = (provider: Provider): RuntimeBuild =>
  provider === 'wasm' ? 'wasm' : typeof WebAssembly === 'object' && 'Suspending' in WebAssembly ? 'jspi' : 'asyncify';

/** The .wasm each onnxruntime-web build fetches, as onnxruntime-web names it. */
const WASM_FILES: Record<RuntimeBuild, string> = {
  wasm: 'ort-wasm-simd-threaded.wasm',
  jspi: 'ort-wasm-simd-threaded.jspi.wasm',
  asyncify: 'ort-wasm-simd-threaded.asyncify.wasm',
};

const importRuntime = (build: RuntimeBuild): Promise<OrtModule> =>
  build === 'jspi' ? import('onnxruntime-web/jspi') : build === 'asyncify' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm');

async function loadRuntime(provider: Provider, options: SessionOptions, notes: string[]): Promise<{ ort: OrtModule; threads: number }> {
  const build = runtimeBuild(provider);
  const ort = await importRuntime(build);
  let threads = options.threads;
  if (threads > 1 && !exposeSharedArrayBuffer()) {
    threads = 1;
    notes.push('WASM runs on one thread: this browser shares no WebAssembly memory between workers here (no SharedArrayBuffer, even in a cross-origin isolated page).');
  }
  if (threads > 1 && !workerScriptsAllowed()) {
    threads = 1;
    notes.push(
      "WASM runs on one thread: this site's Trusted Types policy does not let Veil's worker name a 'default' policy for onnxruntime's thread workers (add default to trusted-types to allow threads).",
    );
  }
  ort.env.wasm.numThreads = threads;
  // Our worker already keeps inference off the page's thread.
  ort.env.wasm.proxy = false;
  // The .wasm alone: given a bare prefix, onnxruntime-web would also import its JS glue
  // (ort-wasm-simd-threaded*.mjs) from there, a file its bundled builds, and Veil, do not need.
  if (options.wasmPaths) ort.env.wasm.wasmPaths = { wasm: `${options.wasmPaths}${WASM_FILES[build]}` };
  ort.env.logLevel = 'error';
  return { ort, threads };
}

/** Why WebGPU cannot be used here, or null when an adapter exists. */
async function webgpuUnavailable(): Promise<string | null> {
  const adapter = await requestAdapter();
  if (adapter === undefined) {
    return 'WebGPU skipped: this browser exposes no navigator.gpu (it needs a browser with WebGPU and a secure context).';
  }
  if (adapter === NO_ANSWER) return `WebGPU skipped: the browser did not answer the request for a WebGPU adapter within ${ADAPTER_WAIT_MS / 1000} s.`;
  return adapter ? null : 'WebGPU skipped: the browser found no WebGPU adapter on this device.';
}

/**
 * The smallest ONNX model: one Identity node, float[1] in and out, opset 17
 * (test/unit/starter-model.test.ts decodes it). onnxruntime-web fetches,
 * compiles and instantiates its WebAssembly, and starts its threads, only when a
 * first session is created; a session of this model does that while the real
 * model is still on its way.
 */
const STARTER_MODEL = 'CAgSBHZlaWw6NwoQCgF4EgF5IghJZGVudGl0eRIBZ1oPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEBE=';
export const starterModel = () => Uint8Array.from(atob(STARTER_MODEL), (c) => c.charCodeAt(0));

/** The starter's outcome: a thread failure (see threadFailure) that the model's session would meet too, or nothing. */
let starting: Promise<VeilError | undefined> | null = null;

/**
 * Starts the runtime of the provider createSession will use first, so that its
 * download and compilation overlap the model's download (on a first visit both
 * are megabytes) instead of following it. Once per worker. Never rejects: a
 * runtime that fails to start fails again, and is reported, when the real
 * model's session is made. Resolves once it has started, or failed to.
 */
export function startRuntime(options: SessionOptions): Promise<unknown> {
  return (starting ??= (async () => {
    for (const provider of options.providers) {
      if (provider === 'webgpu' && (await webgpuUnavailable())) continue;
      const failedThread = threadFailure();
      try {
        const { ort } = await loadRuntime(provider, options, []);
        const session = await Promise.race([ort.InferenceSession.create(starterModel(), { executionProviders: [provider] }), failedThread.promise]);
        await session.release();
        return undefined;
      } catch (error) {
        if (error instanceof VeilError) return error; // threads cannot start here: reported when the model's session is made
        // Otherwise this provider's runtime would not start: the next one may.
      } finally {
        failedThread.stop();
      }
    }
    return undefined;
  })().catch(() => undefined));
}

/** Checks an open session is the model it should be (NudeNet, or a described classifier), releasing it when not. */
export type Bind = (session: OpenSession) => Promise<BoundModel>;

async function open(provider: Provider, model: Uint8Array, options: SessionOptions, bind: Bind, notes: string[]): Promise<DetectorSession> {
  const { ort, threads } = await loadRuntime(provider, options, notes);
  const failedThread = threadFailure();
  const session = await Promise.race([
    // After the starter's session (startRuntime): onnxruntime-web initialises once, and one session at a time is plenty.
    (starting ?? Promise.resolve(undefined)).then((failed) => {
      if (failed) throw failed;
      return ort.InferenceSession.create(model, { executionProviders: [provider], graphOptimizationLevel: 'all' });
    }),
    failedThread.promise,
  ]).finally(failedThread.stop);
  const { inputSize, inputName, outputName, checkOutput } = await bind(session);

  // A promise chain is the lock: each run starts when the one before has settled.
  let queue: Promise<unknown> = Promise.resolve();
  const run = async (data: Float32Array): Promise<Float32Array> => {
    const input = new ort.Tensor('float32', data, [1, 3, inputSize, inputSize]);
    const outputs = await session.run({ [inputName]: input });
    const output = outputs[outputName]!;
    try {
      const values = (await output.getData()) as Float32Array;
      checkOutput(values);
      return values;
    } finally {
      output.dispose();
    }
  };

  return {
    provider,
    build: runtimeBuild(provider),
    threads: provider === 'wasm' ? threads : 0,
    inputSize,
    notes: [],
    run(data) {
      const next = queue.then(() => run(data));
      queue = next.catch(() => undefined);
      return next;
    },
    release: () => session.release(),
  };
}

/**
 * A session on the first provider that works, for NudeNet unless `bind` checks
 * for another model. Throws VeilError 5020 listing every provider's reason when
 * none does, or 5010 when the model itself is the problem.
 */
export async function createSession(model: Uint8Array, options: SessionOptions, bind: Bind = bindModel): Promise<DetectorSession> {
  const notes: string[] = [];
  let filesMissing = false;
  for (const provider of options.providers) {
    if (provider === 'webgpu') {
      const reason = await webgpuUnavailable();
      if (reason) {
        notes.push(reason);
        continue;
      }
    }
    try {
      const session = await open(provider, model, options, bind, notes);
      session.notes.push(...notes);
      return session;
    } catch (error) {
      if (error instanceof VeilError) throw error; // the model is wrong; another provider will not fix it
      const detail = error instanceof Error ? error.message : String(error);
      if (/protobuf|parse|model format|invalid model|load model/i.test(detail)) {
        throw new VeilError(
          ErrorCodes.MODEL_UNAVAILABLE,
          `The model file could not be read as ONNX (${detail}). Download it again: npx veil-nsfw models 320n.`,
          { cause: error },
        );
      }
      filesMissing ||= FILES_MISSING.test(detail);
      notes.push(`${provider === 'webgpu' ? 'WebGPU' : 'WASM'} skipped: creating the session failed (${detail}).`);
    }
  }
  const advice = filesMissing
    ? `${FILES_DID_NOT_LOAD}: serve the ort.*.mjs and ort-wasm-*.wasm files that ship in Veil's dist/ next to its worker.js, or set wasmPaths to where the .wasm files are; with a bundler, check that it emitted them (Vite: worker: { format: 'es' }).`
    : "Try providers ['wasm'] or a browser with WebAssembly support.";
  throw new VeilError(ErrorCodes.NO_BACKEND, `No execution provider could run the model. ${notes.join(' ')} ${advice}`);
}
