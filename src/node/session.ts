/**
 * The models in Node: read (a file, a download, or bytes handed in), opened with
 * onnxruntime-node on the CPU, checked against their contract with the browser's
 * own checks (a wrong file is refused at start with the same sentence), and run
 * one inference at a time per model, as the browser's worker runs them.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCodes, VeilError, toVeilError } from '../errors.js';
import { bindModel, type BoundModel, type OpenSession } from '../nudenet/contract.js';
import type { ModelProgress } from '../options.js';
import type { NodeModel } from './options.js';
import type { OrtModule } from './peers.js';

export interface NodeSession {
  /** The model's square input side, read from the model. */
  readonly inputSize: number;
  /** Runs the model on a [1, 3, S, S] tensor and returns its output's values. */
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
 * Opens a session on the CPU and binds it (NudeNet's contract unless `bind` says
 * otherwise). Throws 5010 when the file is not ONNX or not the model it should be,
 * 5020 when onnxruntime cannot run a well-formed one.
 */
export async function openSession(ort: OrtModule, bytes: Uint8Array, threads: number, what: string, bind: Bind = bindModel): Promise<NodeSession> {
  let session: Awaited<ReturnType<OrtModule['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      // Set, not left to onnxruntime, so a result's runtime.threads is what ran.
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (/protobuf|parse|model format|invalid model|load model/i.test(detail)) {
      throw new VeilError(ErrorCodes.MODEL_UNAVAILABLE, `The ${what} could not be read as ONNX (${detail}).`, { cause: error });
    }
    throw new VeilError(ErrorCodes.NO_BACKEND, `onnxruntime-node could not run the ${what} (${detail}).`, { cause: error });
  }
  const { inputSize, inputName, outputName, checkOutput } = await bind(session);

  // A promise chain is the lock: each run starts when the one before has settled.
  let queue: Promise<unknown> = Promise.resolve();
  const run = async (data: Float32Array): Promise<Float32Array> => {
    let values: Float32Array;
    try {
      const outputs = await session.run({ [inputName]: new ort.Tensor('float32', data, [1, 3, inputSize, inputSize]) });
      values = outputs[outputName]!.data as Float32Array;
    } catch (error) {
      throw toVeilError(error, ErrorCodes.INFERENCE_FAILED, `Inference failed in the ${what}`);
    }
    checkOutput(values);
    return values;
  };
  return {
    inputSize,
    run(data) {
      const next = queue.then(() => run(data));
      queue = next.catch(() => undefined);
      return next;
    },
    release: () => session.release(),
  };
}
