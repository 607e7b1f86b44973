/**
 * Options of the Node entry's `createDetector`: the browser's where they mean the
 * same thing on a server (model, classifier, policy, limits, cache, threads,
 * onProgress), validated with the browser's own checks and sentences (4001). The
 * options that only make sense in a page (providers, worker and WASM locations,
 * Cache Storage, remote and auto modes) are refused by name rather than ignored,
 * so a server never silently screens differently from what its options say.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describeClassifier } from '../classifier/built-in.js';
import type { ClassifierDescription } from '../classifier/spec.js';
import { ErrorCodes, VeilError } from '../errors.js';
import { CLASSIFIER_NAMES, type ClassifierName, type ClassifierOptions, type InputLimits, type ModelProgress } from '../options.js';
import { resolveLimits } from '../resolve-options.js';
import { resolvePolicy, type Policy, type PolicyOptions, type PolicyPreset } from '../policy.js';

/**
 * A model file: a path (relative paths resolve against the working directory), a
 * `file:`, `http:` or `https:` URL (as a string or a URL), or its bytes.
 */
export type NodeModelSource = string | URL | ArrayBuffer | Uint8Array;

/** A classifier described by the caller, as in the browser, its `model` a Node model source. */
export interface NodeClassifierOptions extends Omit<ClassifierOptions, 'model'> {
  model?: NodeModelSource;
}

/** Input limits, as in the browser; SVG is never rasterised in Node, images are never fetched and clips never screened, so those do not apply. */
export type NodeInputLimits = Omit<InputLimits, 'allowSvg' | 'fetchTimeoutMs' | 'maxVideoBytes' | 'maxVideoSeconds'>;

export interface NodeDetectorOptions {
  /** The NudeNet ONNX model; required unless a `classifier` runs alone. */
  model?: NodeModelSource;
  /**
   * A whole-image classifier beside NudeNet, or alone: a built-in name, whose file
   * is `public/models/<name>.onnx` under the working directory unless `model` says
   * otherwise (where a web app serves the file its pages load, so the server runs
   * the very same one), or a description, as in the browser.
   */
  classifier?: ClassifierName | NodeClassifierOptions;
  /** A preset name or a policy; default `balanced`. */
  policy?: PolicyOptions | PolicyPreset;
  /** Sizes, formats and animation frames, as in the browser. */
  limits?: NodeInputLimits;
  /** Remember results by SHA-256 in this process (default), or not at all. */
  cache?: 'memory' | false;
  /** onnxruntime's intra-op threads for each model; default the cores Node can use (`os.availableParallelism()`). */
  threads?: number;
  /** Called as a model is read or downloaded. */
  onProgress?: (progress: ModelProgress) => void;
  /** Only `local`: the Node entry screens in this process. */
  mode?: 'local';
}

/** A model to load, and what results and progress call it. */
export type NodeModel = { label: string } & ({ path: string } | { url: string } | { bytes: Uint8Array });

export interface NodeClassifier {
  description: ClassifierDescription;
  model: NodeModel;
}

export interface ResolvedNodeOptions {
  model: NodeModel | null;
  classifier: NodeClassifier | null;
  policy: Policy;
  limits: Required<InputLimits>;
  cache: 'memory' | false;
  threads: number;
  onProgress: ((progress: ModelProgress) => void) | undefined;
}

const bad = (message: string) => new VeilError(ErrorCodes.BAD_OPTION, message);

/** Browser options, and why each has no meaning here. */
const BROWSER_ONLY: Record<string, string> = {
  providers: 'onnxruntime-node runs on the CPU',
  workerUrl: 'there is no worker script to serve',
  wasmPaths: 'there are no .wasm files to serve',
  cacheModel: 'there is no Cache Storage: the model is read from disk or downloaded once per detector',
  remote: 'the Node entry screens in this process; call the gateway yourself to screen remotely',
  onBeforeRemote: 'nothing is sent anywhere',
  maxLocalLatencyMs: 'there is no auto mode',
  allowClassifierOnly: 'there is no auto mode',
};

/** Where a model comes from: the label is what a result's `runtime.model` and progress show. */
export function resolveNodeModel(model: unknown, what = 'model'): NodeModel {
  if (model instanceof ArrayBuffer) return { label: 'buffer', bytes: new Uint8Array(model) };
  if (model instanceof Uint8Array) return { label: 'buffer', bytes: model };
  if (model instanceof URL) return resolveNodeModel(model.href, what);
  if (typeof model === 'string') {
    if (model.trim() === '') throw bad(`The ${what} path is empty: pass the path of its .onnx file, a URL, or its bytes.`);
    // Only these schemes: "C:\models\320n.onnx" parses as a URL too, with scheme "c:".
    if (/^https?:\/\//i.test(model)) return { label: new URL(model).href, url: new URL(model).href };
    if (/^file:/i.test(model)) return { label: model, path: fileURLToPath(model) };
    return { label: model, path: model };
  }
  throw bad(
    what === 'model'
      ? 'Pass `model`: the path of a NudeNet .onnx file (e.g. public/models/320n.onnx), its URL, or its bytes as an ArrayBuffer or Uint8Array.'
      : `\`${what}\` must be the path of the classifier's .onnx file, its URL, or its bytes.`,
  );
}

function resolveClassifier(classifier: unknown): NodeClassifier | null {
  if (classifier === undefined) return null;
  const builtIn = (name: unknown): name is ClassifierName => (CLASSIFIER_NAMES as readonly unknown[]).includes(name);
  const defaultFile = (name: string) => resolveNodeModel(`public/models/${name}.onnx`);
  if (typeof classifier === 'string') {
    if (!builtIn(classifier)) throw bad(`Unknown classifier "${classifier}": use one of ${CLASSIFIER_NAMES.join(', ')}, or describe yours with { name, model, inputSize, classes, categories }.`);
    return { description: describeClassifier(classifier, null), model: defaultFile(classifier) };
  }
  if (typeof classifier !== 'object' || classifier === null || typeof (classifier as NodeClassifierOptions).name !== 'string') {
    throw bad('`classifier` must be a built-in classifier name or an object with at least `name` and `model`.');
  }
  const { model, ...own } = classifier as NodeClassifierOptions;
  if (model === undefined && !builtIn(own.name)) throw bad(`\`classifier.model\` is required for "${own.name}": the path, URL or bytes of its .onnx file.`);
  // As in the worker: a built-in name with nothing else is the manifest's description.
  const description = describeClassifier(own.name, builtIn(own.name) && Object.keys(own).length === 1 ? null : (own as ClassifierOptions));
  return { description, model: model === undefined ? defaultFile(own.name) : resolveNodeModel(model, 'classifier.model') };
}

function resolveThreads(threads: unknown): number {
  if (threads === undefined) return Math.max(1, availableParallelism());
  if (!Number.isInteger(threads) || (threads as number) < 1) throw bad(`\`threads\` must be a whole number of at least 1; got ${String(threads)}.`);
  return threads as number;
}

/** Every option of the Node entry's createDetector, validated before any model loads; throws VeilError 4001. */
export function resolveNodeOptions(options: NodeDetectorOptions): ResolvedNodeOptions {
  if (typeof options !== 'object' || options === null) {
    throw bad('createDetector needs an options object: at least `model`, the path of a NudeNet .onnx file.');
  }
  const given = options as Record<string, unknown>;
  for (const [key, why] of Object.entries(BROWSER_ONLY)) {
    if (given[key] !== undefined) throw bad(`\`${key}\` is a browser option with no meaning in veil-nsfw/node: ${why}. Leave it out.`);
  }
  if (options.mode !== undefined && options.mode !== 'local') {
    throw bad(`veil-nsfw/node screens locally only, so \`mode\` can only be "local"; got ${String(options.mode)}. For remote screening, call the gateway from your server.`);
  }
  if (options.cache !== undefined && options.cache !== 'memory' && options.cache !== false) {
    throw bad(`\`cache\` in veil-nsfw/node must be 'memory' or false (there is no IndexedDB on a server); got ${String(options.cache)}.`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw bad('`onProgress` must be a function.');
  const limits = resolveLimits(options.limits as InputLimits | undefined);
  if (limits.allowSvg) throw bad('`limits.allowSvg` has no meaning in veil-nsfw/node: SVG is never rasterised on the server. Leave it out.');
  const classifier = resolveClassifier(options.classifier);
  return {
    model: options.model === undefined && classifier ? null : resolveNodeModel(options.model),
    classifier,
    policy: resolvePolicy(options.policy),
    limits,
    cache: options.cache ?? 'memory',
    threads: resolveThreads(options.threads),
    onProgress: options.onProgress,
  };
}
