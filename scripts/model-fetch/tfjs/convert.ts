/**
 * TF.js model -> ONNX classifier: decodes the weights, dispatches to the layers
 * or the graph converter, names the output and checks that what came out is a
 * classifier ([1, 3, S, S] in, [1, N] out).
 */
import { ModelFetchError } from '../error.js';
import { OnnxGraph } from '../onnx-builder.js';
import type { TfjsArtifacts } from './artifacts.js';
import { convertGraph } from './graph-model.js';
import { convertKeras } from './keras-layers.js';
import { decodeWeights } from './weights.js';

export interface ConvertOptions {
  readonly inputName: string;
  readonly outputName: string;
  /** Used where the model leaves its input size open. */
  readonly inputSize: number;
  /** Written into the ONNX file's doc string: where the weights came from and their licence. */
  readonly docString: string;
  /**
   * Keep quantized weights as the source stores them (uint8 and its scale and
   * minimum) with the nodes that dequantize them at load; false writes them as
   * float32, as the converter did before (the same weights after load, 3.6 times
   * the bytes for nsfwjs's MobileNetV2).
   */
  readonly keepQuantized?: boolean;
}

export interface Conversion {
  readonly bytes: Uint8Array;
  readonly format: 'layers-model' | 'graph-model';
  readonly input: { readonly name: string; readonly shape: readonly number[] };
  readonly output: { readonly name: string; readonly shape: readonly number[] };
  /** Keras layer classes or TensorFlow ops met, in the order first met. */
  readonly handled: readonly string[];
  /** ONNX operators in the result. */
  readonly onnxOps: readonly string[];
}

export function convertTfjsModel(artifacts: TfjsArtifacts, opts: ConvertOptions): Conversion {
  const { json } = artifacts;
  const topology = json.modelTopology as Record<string, unknown>;
  const weights = decodeWeights(artifacts);
  const g = new OnnxGraph({ keepStored: opts.keepQuantized ?? true });
  const isGraph = json.format === 'graph-model' || Array.isArray(topology.node);
  const { output, layerTypes } = isGraph
    ? convertGraph(g, topology, weights, json.userDefinedMetadata, opts)
    : convertKeras(g, topology, weights, opts);
  const named = g.rename(output, opts.outputName);
  if (named.shape.length !== 2 || named.shape[0] !== 1) {
    throw new ModelFetchError(
      `${artifacts.source} converts to a model whose output is [${named.shape.join(',')}], not a classifier's [1,N].`,
      'unsupported',
    );
  }
  const bytes = g.encode(named, {
    graphName: 'classifier',
    producer: 'veil scripts/model-fetch (tfjs converter)',
    docString: opts.docString,
  });
  return {
    bytes,
    format: isGraph ? 'graph-model' : 'layers-model',
    input: { name: opts.inputName, shape: inputShape(g, opts.inputName) },
    output: { name: named.name, shape: named.shape },
    handled: [...layerTypes],
    onnxOps: [...g.opTypes],
  };
}

function inputShape(g: OnnxGraph, name: string): readonly number[] {
  const v = g.inputValues.find((i) => i.name === name);
  if (!v) throw new ModelFetchError('The converted model has no input.', 'unsupported');
  return v.shape;
}
