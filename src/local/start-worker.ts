/**
 * Starting the detector's worker, and saying why it did not start: the worker's
 * URL (as a bundler rewrote it, or `workerUrl`), Trusted Types, and a load that
 * failed, naming the file that did not arrive.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { pageBaseUrl } from './base-url.js';

type ScriptUrlPolicy = { createScriptURL(url: string): unknown };
let scriptUrls: ScriptUrlPolicy | null | undefined;

/**
 * Under Trusted Types (require-trusted-types-for 'script') a worker URL must be a
 * TrustedScriptURL: Veil makes them with a policy named `veil` that only passes
 * same-origin URLs. Allow it in the CSP with `trusted-types veil`.
 */
function trustedScriptUrl(url: string): string {
  if (scriptUrls === undefined) {
    const factory = (globalThis as { trustedTypes?: { createPolicy(name: string, rules: object): ScriptUrlPolicy } }).trustedTypes;
    try {
      scriptUrls =
        factory?.createPolicy('veil', {
          createScriptURL: (value: string) => {
            if (new URL(value, pageBaseUrl()).origin !== new URL(pageBaseUrl()).origin) throw new TypeError(`Veil only starts same-origin workers, not ${value}`);
            return value;
          },
        }) ?? null;
    } catch {
      scriptUrls = null; // the CSP does not allow a policy named veil: the error below says so
    }
  }
  return (scriptUrls ? scriptUrls.createScriptURL(url) : url) as string;
}

/**
 * Veil's own worker. The expression below is the one Vite and webpack look for:
 * a consumer's bundler builds the worker from it, following its imports (comlink,
 * onnxruntime-web and the .wasm files onnxruntime-web names with
 * `new URL(..., import.meta.url)`), and rewrites the URL; unbundled, it is
 * dist/worker.js next to this chunk (`npm run build` turns the source path into
 * that). Keep it literal, with `type: 'module'` inline, or bundlers stop seeing it.
 *
 * Under Trusted Types the URL must go through Veil's policy, but wrapping it would
 * hide the expression from bundlers. So the global Worker is swapped, for this
 * one synchronous call, for a subclass that applies the policy to whatever URL the
 * bundler put there.
 */
function startBundledWorker(started: { url: string }): Worker {
  const Native = globalThis.Worker;
  globalThis.Worker = class extends Native {
    constructor(url: string | URL, options?: WorkerOptions) {
      started.url = new URL(String(url), pageBaseUrl()).href;
      super(trustedScriptUrl(String(url)), options);
    }
  };
  try {
    return new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module', name: 'veil-detector' });
  } finally {
    globalThis.Worker = Native;
  }
}

/** The worker, and the URL it was started from (as the bundler rewrote it), for the error that names a missing file. */
export function startWorker(workerUrl: string | URL | undefined): { worker: Worker; url: string } {
  const started = { url: '' };
  try {
    if (!workerUrl) return { worker: startBundledWorker(started), url: started.url };
    started.url = new URL(workerUrl, pageBaseUrl()).href;
    return { worker: new Worker(trustedScriptUrl(started.url), { type: 'module', name: 'veil-detector' }), url: started.url };
  } catch (error) {
    throw new VeilError(
      ErrorCodes.WORKER_FAILED,
      `The detector worker could not be started (${error instanceof Error ? error.message : String(error)}). Serve Veil's worker file from the page's origin or pass \`workerUrl\`; under Trusted Types, allow the policy with \`trusted-types veil\`.`,
      { cause: error },
    );
  }
}

/** Relative imports in a module's code, as Veil's build and bundlers write them (`from"./x.js"`, `import"./x.js"`). */
const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["']((?:\.{1,2})?\/[^"']+)["']/g;

/**
 * A module worker that fails to load reports an error with no message, whether
 * its own script or a file it imports is missing. So fetch the worker's script
 * and what it imports, in order, and name the first file that does not load.
 */
async function firstMissingFile(workerUrl: string): Promise<{ url: string; status: string; imported: boolean } | null> {
  const queue = [workerUrl];
  const seen = new Set(queue);
  for (let i = 0; i < queue.length && i < 64; i++) {
    const url = queue[i]!;
    let response: Response;
    try {
      response = await fetch(url, { cache: 'no-store' });
    } catch (error) {
      return { url, status: error instanceof Error ? error.message : String(error), imported: i > 0 };
    }
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || /html/i.test(type)) return { url, status: response.ok ? 'an HTML page instead of JavaScript' : `HTTP ${response.status}`, imported: i > 0 };
    for (const [, specifier] of (await response.text()).matchAll(STATIC_IMPORT)) {
      const next = new URL(specifier!, url).href;
      if (!seen.has(next)) seen.add(next), queue.push(next);
    }
  }
  return null;
}

/** Rejects when the worker script fails to load, which comlink alone would never report. */
export function loadFailure(worker: Worker, workerUrl: string): { promise: Promise<never>; stop(): void } {
  let stop = () => {};
  const promise = new Promise<never>((_, reject) => {
    const onError = (event: ErrorEvent) => {
      event.preventDefault?.();
      const advice = "serve Veil's worker.js with the files it imports beside it (`npx veil-nsfw assets --out DIR` copies them there) or set workerUrl and wasmPaths.";
      if (event.message) {
        reject(new VeilError(ErrorCodes.WORKER_FAILED, `The detector worker stopped (${event.message}): ${advice}`));
        return;
      }
      const generic = new VeilError(ErrorCodes.WORKER_FAILED, `The detector worker's script failed to load (${workerUrl || 'its URL is unknown'}): ${advice}`);
      void (workerUrl ? firstMissingFile(workerUrl) : Promise.resolve(null)).then(
        (missing) =>
          reject(
            !missing
              ? generic
              : new VeilError(
                  ErrorCodes.WORKER_FAILED,
                  missing.imported
                    ? `The detector worker loaded but a file it imports did not (${missing.url}: ${missing.status}), so ${advice}`
                    : `The detector worker's script did not load (${missing.url}: ${missing.status}), so ${advice}`,
                ),
          ),
        () => reject(generic),
      );
    };
    worker.addEventListener('error', onError);
    stop = () => worker.removeEventListener('error', onError);
  });
  promise.catch(() => undefined);
  return { promise, stop: () => stop() };
}
