/**
 * A TF.js layers model (a Keras model config, as nsfwjs's MobileNetV2 and
 * InceptionV3 are) to ONNX, layer by layer. Two layer pairs become one node:
 * a convolution followed only by batch normalisation (the BN is folded into the
 * kernel and bias), and ZeroPadding2D followed by a 'valid' convolution (the
 * zeros become the convolution's own pads).
 */
import { ModelFetchError } from '../error.js';
import type { OnnxGraph, Value } from '../onnx-builder.js';
import * as op from './nhwc-ops.js';
import type { WeightTensor, Weights } from './weights.js';

type Config = Readonly<Record<string, unknown>>;

interface Layer {
  readonly name: string;
  readonly className: string;
  readonly config: Config;
  readonly inputs: readonly string[];
}

/** The Keras layers this converter understands; anything else is refused by name. */
export const KERAS_LAYERS: readonly string[] = [
  'InputLayer',
  'ZeroPadding2D',
  'Conv2D',
  'DepthwiseConv2D',
  'BatchNormalization',
  'ReLU',
  'Activation',
  'Softmax',
  'Add',
  'Concatenate',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
  'Dense',
  'Dropout',
];

const fail = (message: string) => new ModelFetchError(message, 'unsupported');
const pair = (v: unknown, name: string): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(Number.isInteger)) return [v[0], v[1]];
  throw fail(`The Keras layer option ${name}=${JSON.stringify(v)} is not a pair of whole numbers.`);
};

/** The layers of a functional or sequential model config, each with the names of the layers it reads. */
function parseLayers(topology: Config): { layers: Layer[]; output: string } {
  const model = (topology.model_config ?? topology) as Config;
  const cfg = model.config as Config | readonly Config[];
  if (model.class_name === 'Sequential') {
    const list = (Array.isArray(cfg) ? cfg : (cfg as Config).layers) as Config[];
    const layers: Layer[] = [];
    const first = (list[0]?.config ?? {}) as Config;
    if (list[0]?.class_name !== 'InputLayer') {
      layers.push({ name: 'input', className: 'InputLayer', config: { batch_input_shape: first.batch_input_shape }, inputs: [] });
    }
    for (const l of list) {
      const c = l.config as Config;
      layers.push({
        name: String(c.name),
        className: String(l.class_name),
        config: c,
        inputs: layers.length ? [layers.at(-1)!.name] : [],
      });
    }
    return { layers, output: layers.at(-1)!.name };
  }
  if (model.class_name !== 'Model' && model.class_name !== 'Functional') {
    throw fail(`The model is a Keras ${String(model.class_name)}; the converter reads Model, Functional and Sequential configs.`);
  }
  const c = cfg as Config;
  const layers = (c.layers as Config[]).map((l): Layer => {
    const nodes = (l.inbound_nodes ?? []) as unknown[][];
    if (nodes.length > 1) {
      throw fail(
        `The Keras layer ${String(l.name)} is shared (called ${nodes.length} times), which the converter does not handle.`,
      );
    }
    const inputs = (nodes[0] ?? []).map((ref) => {
      if (!Array.isArray(ref) || ref[1] !== 0 || ref[2] !== 0) {
        throw fail(
          `The Keras layer ${String(l.name)} reads ${JSON.stringify(ref)}; only Keras 2 single-output references are handled.`,
        );
      }
      return String(ref[0]);
    });
    return { name: String(l.name), className: String(l.class_name), config: l.config as Config, inputs };
  });
  const outputs = c.output_layers as unknown[][];
  if (outputs.length !== 1) throw fail(`The Keras model has ${outputs.length} outputs; a classifier has one.`);
  return { layers, output: String(outputs[0]![0]) };
}

/** Layers in an order where every layer comes after those it reads (the config's own order when it already is). */
function topological(layers: readonly Layer[]): Layer[] {
  const done = new Set<string>();
  const order: Layer[] = [];
  let pending = [...layers];
  while (pending.length) {
    const ready = pending.filter((l) => l.inputs.every((i) => done.has(i)));
    if (!ready.length) throw fail(`The Keras model reads layers it does not define (${pending[0]!.inputs.join(', ')}).`);
    for (const l of ready) done.add(l.name);
    order.push(...ready);
    pending = pending.filter((l) => !done.has(l.name));
  }
  return order;
}

export interface KerasOptions {
  readonly inputName: string;
  /** For an input whose height and width the config leaves open. */
  readonly inputSize: number;
}

/** Builds the model into `g`; returns its input and output values and the layer types met. */
export function convertKeras(
  g: OnnxGraph,
  topology: Config,
  weights: Weights,
  opts: KerasOptions,
): { output: Value; layerTypes: Set<string> } {
  const { layers, output } = parseLayers(topology);
  const consumers = new Map<string, Layer[]>();
  for (const l of layers) for (const i of l.inputs) consumers.set(i, [...(consumers.get(i) ?? []), l]);
  const values = new Map<string, Value>();
  /** ZeroPadding2D outputs not made yet: a 'valid' convolution reading one takes the pads itself. */
  const pendingPads = new Map<string, { source: Value; pads: op.Pads }>();
  const used = new Set<string>();
  const layerTypes = new Set<string>();

  const weight = (layer: string, param: string): WeightTensor => {
    const key = `${layer}/${param}`;
    const w = weights.get(key);
    if (!w) throw fail(`The weights have no ${key}, which the Keras layer ${layer} needs.`);
    used.add(key);
    return w;
  };
  const input = (name: string): Value => {
    const pad = pendingPads.get(name);
    if (pad && !values.has(name)) values.set(name, op.zeroPad(g, pad.source, pad.pads, name));
    const v = values.get(name);
    if (!v) throw fail(`The Keras layer ${name} is read before it is computed.`);
    return v;
  };
  const act = (l: Layer, key = 'activation'): op.Activation => {
    const a = String(l.config[key] ?? 'linear');
    if (!op.ACTIVATIONS.includes(a)) {
      throw fail(`The Keras layer ${l.name} uses the activation ${a}, which the converter does not handle.`);
    }
    return a as op.Activation;
  };
  const channelAxis = (l: Layer) => {
    const axis = l.config.axis ?? -1;
    if (axis !== -1 && axis !== 3) {
      throw fail(`The Keras layer ${l.name} normalises axis ${JSON.stringify(axis)}; only the channel axis is handled.`);
    }
  };
  const batchNorm = (l: Layer): op.BatchNorm => {
    channelAxis(l);
    return {
      gamma: l.config.scale === false ? null : weight(l.name, 'gamma').data,
      beta: l.config.center === false ? null : weight(l.name, 'beta').data,
      mean: weight(l.name, 'moving_mean').data,
      variance: weight(l.name, 'moving_variance').data,
      epsilon: Number(l.config.epsilon ?? 1e-3),
    };
  };

  for (const l of topological(layers)) {
    const c = l.config;
    if (values.has(l.name)) continue; // a BatchNormalization already folded into its convolution
    if (!KERAS_LAYERS.includes(l.className)) {
      throw fail(
        `The model uses the Keras layer ${l.className} (${l.name}), which the converter does not handle; it handles ${KERAS_LAYERS.join(', ')}.`,
      );
    }
    if (c.data_format !== undefined && c.data_format !== 'channels_last') {
      throw fail(`The Keras layer ${l.name} is ${String(c.data_format)}; only channels_last is handled.`);
    }
    layerTypes.add(l.className);
    const x = () => input(l.inputs[0]!);
    let y: Value;
    switch (l.className) {
      case 'InputLayer': {
        const [, h, w, ch] = (c.batch_input_shape ?? c.batchInputShape) as (number | null)[];
        if (ch !== 3) throw fail(`The model's input has ${ch} channels; an RGB classifier has 3.`);
        y = g.addInput(opts.inputName, [1, 3, h ?? opts.inputSize, w ?? opts.inputSize]);
        break;
      }
      case 'ZeroPadding2D': {
        const p = c.padding;
        const [[top, bottom], [left, right]] = (Array.isArray(p) && Array.isArray(p[0])
          ? p
          : pair(p, 'padding').map((v) => [v, v])) as number[][] as [[number, number], [number, number]];
        pendingPads.set(l.name, { source: x(), pads: { top, bottom, left, right } });
        continue;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = l.className === 'DepthwiseConv2D';
        if ((c.groups ?? 1) !== 1) {
          throw fail(`The Keras layer ${l.name} is a grouped convolution, which the converter does not handle.`);
        }
        const pad = c.padding === 'valid' ? pendingPads.get(l.inputs[0]!) : undefined;
        let spec: op.ConvSpec = {
          kernel: weight(l.name, depthwise ? 'depthwise_kernel' : 'kernel'),
          depthwise,
          bias: c.use_bias === false ? null : weight(l.name, 'bias').data,
          strides: pair(c.strides ?? 1, 'strides'),
          dilations: pair(c.dilation_rate ?? 1, 'dilation_rate'),
          padding: pad ? pad.pads : c.padding === 'same' ? 'same' : 'valid',
          activation: act(l),
        };
        const next = consumers.get(l.name) ?? [];
        const bn =
          next.length === 1 && next[0]!.className === 'BatchNormalization' && spec.activation === 'linear' && l.name !== output
            ? next[0]!
            : null;
        if (bn) {
          spec = op.foldBatchNorm(spec, batchNorm(bn));
          layerTypes.add(bn.className);
        }
        const name = bn?.name ?? l.name;
        values.set(name, op.conv2d(g, pad ? pad.source : x(), spec, name));
        continue;
      }
      case 'BatchNormalization':
        y = op.batchNorm(g, x(), batchNorm(l), l.name);
        break;
      case 'ReLU': {
        if (Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0) {
          throw fail(`The Keras layer ${l.name} is a leaky or thresholded ReLU, which the converter does not handle.`);
        }
        y = op.relu(g, x(), c.max_value == null ? null : Number(c.max_value), l.name);
        break;
      }
      case 'Activation':
        y = op.activation(g, x(), act(l), l.name);
        break;
      case 'Softmax': {
        const rank = x().shape.length;
        const axis = Number(c.axis ?? -1);
        if (axis !== -1 && axis !== rank - 1) {
          throw fail(`The Keras layer ${l.name} takes a softmax over axis ${axis}; only the last axis is handled.`);
        }
        y = op.activation(g, x(), 'softmax', l.name);
        break;
      }
      case 'Add':
        y = op.add(g, l.inputs.map(input), l.name);
        break;
      case 'Concatenate':
        y = op.concat(g, l.inputs.map(input), Number(c.axis ?? -1), l.name);
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const kernel = pair(c.pool_size, 'pool_size');
        const window = {
          kernel,
          strides: c.strides == null ? kernel : pair(c.strides, 'strides'),
          padding: c.padding === 'same' ? 'same' : 'valid',
        } as const;
        y = op.pool(g, x(), l.className === 'MaxPooling2D' ? 'max' : 'avg', window, l.name);
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        if (c.keepdims === true) {
          throw fail(`The Keras layer ${l.name} keeps its pooled dimensions, which the converter does not handle.`);
        }
        y = op.globalPool(g, x(), l.className === 'GlobalMaxPooling2D' ? 'max' : 'avg', l.name);
        break;
      case 'Flatten':
        y = op.flatten(g, x(), l.name);
        break;
      case 'Dense':
        y = op.dense(g, x(), weight(l.name, 'kernel'), c.use_bias === false ? null : weight(l.name, 'bias').data, act(l), l.name);
        break;
      default: // Dropout: nothing at inference
        y = x();
    }
    values.set(l.name, y);
  }

  // A weight nobody read means a layer was misread: refuse rather than produce a model without it.
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length) {
    throw fail(
      `The converter did not use ${unused.length} of the model's weights (${unused.slice(0, 3).join(', ')}${unused.length > 3 ? ', …' : ''}).`,
    );
  }
  return { output: input(output), layerTypes };
}
