/**
 * The models in Node: read (a file, a download, or bytes handed in), opened with
 * onnxruntime-node on the CPU, checked against their contract with the browser's
 * own checks (a wrong file is refused at start with the same sentence), and run
 * one inference at a time per model, as the browser's worker runs them. The only
 * place onnxruntime-node is run: the gateway (gateway/nudenet.ts, classifier.ts)
 * opens its sessions here too, with its own timeout and wording.
 */
import { readFile } from 'node:fs/promises';
import { abortedError, ErrorCodes, VeilError, toVeilError } from '../errors.js';
import { bindModel, type BoundModel, type OpenSession } from '../nudenet/contract.js';
import type { ModelProgress } from '../options.js';
import { createModelQueue } from './model-queue.js';
import type { NodeModel } from './options.js';
import type { OrtModule } from './peers.js';

export interface NodeSession {
  /** The model's square input side, read from the model. */
  readonly inputSize: number;
  /** Images inferring now (0 or 1) and waiting their turn. */
  readonly depth: { running: number; queued: number };
  /**
   * Runs the model on a [1, 3, S, S] tensor, one image at a time in arrival order,
   * and returns its output's values; rejects with the session's `timedOut()` when
   * `signal` fires first.
   */
  run(tensor: Float32Array, signal?: AbortSignal): Promise<Float32Array>;
  release(): Promise<void>;
}

/** How a session runs and fails; the Node entry takes the defaults, the gateway words its own. */
export interface SessionOptions {
  /** The model as sentences name it, e.g. `detector model 320n`. */
  what: string;
  /** onnxruntime's intra-op threads; left to onnxruntime when absent. */
  threads?: number;
  /** Checks the open session is the model it should be (NudeNet's contract by default). */
  bind?: Bind;
  /** How a model that will not open is reported; by default 5010 when it is not ONNX, else 5020. */
  openFailed?: (error: unknown) => Error;
  /** How a failed run is reported; by default 5030, a VeilError (the output check's 5010) kept as it is. */
  runFailed?: (error: unknown) => Error;
  /** The rejection for a run whose signal fires while it waits or runs (the gateway's 5025); by default 4099. */
  timedOut?: () => Error;
}

/** A model that runs one tensor: an opened session, or a test's stand-in. */
export interface ModelRunner {
  inputSize: number;
  run(tensor: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Checks an open session is the model it should be (NudeNet unless told otherwise), releasing it when not. */
export type Bind = (session: OpenSession) => Promise<BoundModel>;

type Report = (progress: ModelProgress) => void;

async function download(model: NodeModel & { url: string }, report: Report): Promise<Uint8Array> {
  const response = await fetch(model.url);
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  // fetch decodes a compressed body (Content-Encoding), whose Content-Length counts the compressed bytes.
  const encoded = (response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase() !== 'identity';
  let total = encoded ? 0 : Number(response.headers.get('content-length')) || 0;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    loaded += chunk.length;
    if (loaded > total) total = 0;
    report({ model: model.label, loaded, total, cached: false });
  }
  return Buffer.concat(chunks);
}

/** A model's bytes; 5010 with a sentence when they cannot be had. */
export async function readModel(model: NodeModel, what: string, report: Report): Promise<Uint8Array> {
  if ('bytes' in model) {
    report({ model: model.label, loaded: model.bytes.length, total: model.bytes.length, cached: false });
    return model.bytes;
  }
  try {
    if ('url' in model) return await download(model, report);
    const bytes = await readFile(model.path);
    report({ model: model.label, loaded: bytes.length, total: bytes.length, cached: false });
    return bytes;
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const where = 'url' in model ? 'downloaded' : `read (relative paths resolve against ${process.cwd()})`;
    throw new VeilError(ErrorCodes.MODEL_UNAVAILABLE, `The ${what} ${model.label} could not be ${where}: ${detail}.`, { cause: error });
  }
}

/**
 * Opens a session on the CPU, binds it (NudeNet's contract unless `bind` says
 * otherwise) and queues its runs. Throws 5010 when the file is not ONNX or not the
 * model it should be, 5020 when onnxruntime cannot run a well-formed one (unless
 * `openFailed` words it otherwise).
 */
export async function openSession(ort: OrtModule, model: Uint8Array | string, options: SessionOptions): Promise<NodeSession> {
  const { what, threads, bind = bindModel } = options;
  const settings = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all' as const,
    // Set, not left to onnxruntime, where the caller says: a result's runtime.threads is then what ran.
    ...(threads !== undefined && { intraOpNumThreads: threads, interOpNumThreads: 1 }),
  };
  let session: Awaited<ReturnType<OrtModule['InferenceSession']['create']>>;
  try {
    session = typeof model === 'string' ? await ort.InferenceSession.create(model, settings) : await ort.InferenceSession.create(model, settings);
  } catch (error) {
    if (options.openFailed) throw options.openFailed(error);
    const detail = error instanceof Error ? error.message : String(error);
    if (/protobuf|parse|model format|invalid model|load model/i.test(detail)) {
      throw new VeilError(ErrorCodes.MODEL_UNAVAILABLE, `The ${what} could not be read as ONNX (${detail}).`, { cause: error });
    }
    throw new VeilError(ErrorCodes.NO_BACKEND, `onnxruntime-node could not run the ${what} (${detail}).`, { cause: error });
  }
  const { inputSize, inputName, outputName, checkOutput } = await bind(session);
  const run = async (data: Float32Array): Promise<Float32Array> => {
    const outputs = await session.run({ [inputName]: new ort.Tensor('float32', data, [1, 3, inputSize, inputSize]) });
    const values = outputs[outputName]!.data as Float32Array;
    checkOutput(values);
    return values;
  };
  return queueRuns({ inputSize, run, release: () => session.release() }, options);
}

/** Puts a model's runs in one queue (model-queue.ts), each failure worded as `options` says. */
export function queueRuns(model: ModelRunner, options: Pick<SessionOptions, 'what' | 'runFailed' | 'timedOut'>): NodeSession {
  const runFailed = options.runFailed ?? ((error: unknown) => toVeilError(error, ErrorCodes.INFERENCE_FAILED, `Inference failed in the ${options.what}`));
  const queue = createModelQueue(options.timedOut ?? abortedError);
  const guarded = async (data: Float32Array): Promise<Float32Array> => {
    try {
      return await model.run(data);
    } catch (error) {
      throw runFailed(error);
    }
  };
  return {
    inputSize: model.inputSize,
    get depth() {
      return queue.depth;
    },
    run: (data, signal) => queue.run(() => guarded(data), signal),
    release: () => model.release(),
  };
}
