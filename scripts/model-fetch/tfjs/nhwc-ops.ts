/**
 * TensorFlow operations, described as TensorFlow describes them (NHWC images,
 * [kh, kw, in, out] kernels, 'same'/'valid' padding, channel axis last), emitted
 * as ONNX nodes on NCHW values. Both converters (Keras layers, TF graphs) go
 * through here, so the layout change is made in one place: the weights are
 * transposed once at conversion, the activations never are, and the ONNX model
 * takes the NCHW [1, 3, H, W] tensor Veil's preprocessing produces.
 */
import { ModelFetchError } from '../error.js';
import { arith, cast, OnnxGraph, reshape, sizeOf, stored, transpose, type Stored, type Value } from '../onnx-builder.js';
import { windowGeometry, type Pads, type Padding, type Window } from './padding.js';
import type { WeightTensor } from './weights.js';

export type { Pads, Padding } from './padding.js';

export type Activation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'softmax';
export const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax'];

const unsupported = (what: string) =>
  new ModelFetchError(`The model uses ${what}, which the converter does not handle.`, 'unsupported');

/** Where an NHWC axis of a rank-4 tensor lies in NCHW; other ranks keep their axes. */
export function onnxAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw unsupported(`axis ${axis} on a rank-${rank} tensor`);
  return rank === 4 ? [0, 2, 3, 1][a]! : a;
}

export interface ConvSpec {
  /** Conv2D: [kh, kw, in, out]; depthwise: [kh, kw, in, multiplier]. */
  readonly kernel: WeightTensor;
  readonly depthwise: boolean;
  readonly bias: Float32Array | null;
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padding: Padding;
  readonly activation: Activation;
}

export interface BatchNorm {
  readonly gamma: Float32Array | null;
  readonly beta: Float32Array | null;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  readonly epsilon: number;
}

/** Batch normalisation at inference is y = x * scale + shift per channel; computed in double precision. */
function affine(bn: BatchNorm): { scale: Float64Array; shift: Float64Array } {
  const n = bn.mean.length;
  const scale = new Float64Array(n);
  const shift = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    scale[c] = (bn.gamma ? bn.gamma[c]! : 1) / Math.sqrt(bn.variance[c]! + bn.epsilon);
    shift[c] = (bn.beta ? bn.beta[c]! : 0) - bn.mean[c]! * scale[c]!;
  }
  return { scale, shift };
}

const outChannels = (c: ConvSpec) => (c.depthwise ? c.kernel.shape[2]! * c.kernel.shape[3]! : c.kernel.shape[3]!);

/**
 * A convolution followed by batch normalisation, as one convolution: one node
 * instead of three, and the fold is exact up to float32 rounding.
 */
export function foldBatchNorm(conv: ConvSpec, bn: BatchNorm): ConvSpec {
  const { scale, shift } = affine(bn);
  const channels = scale.length;
  if (channels !== outChannels(conv)) {
    throw unsupported(`batch normalisation over ${channels} channels after a ${outChannels(conv)}-channel convolution`);
  }
  const k = conv.kernel.data;
  const kernel = new Float32Array(k.length);
  // The output channel varies fastest in both layouts: `out` last, or (in, multiplier) flattened.
  for (let i = 0; i < k.length; i++) kernel[i] = k[i]! * scale[i % channels]!;
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) bias[c] = (conv.bias ? conv.bias[c]! : 0) * scale[c]! + shift[c]!;
  return { ...conv, kernel: { ...conv.kernel, data: kernel, stored: scaled(conv.kernel.stored, scale) }, bias };
}

/**
 * The fold above as nodes on a stored kernel: float32 times a double per output
 * channel, rounded once to float32. Only the kernel stays quantized; the
 * per-channel scale (8 bytes a channel) and the folded bias are stored as computed.
 */
function scaled(kernel: Stored | null | undefined, scale: Float64Array): Stored | null {
  if (!kernel) return null;
  // The output channels are the trailing axes: `out`, or (in, multiplier) flattened.
  let axes = kernel.shape.length;
  while (axes > 0 && sizeOf(kernel.shape.slice(axes)) < scale.length) axes--;
  const tail = kernel.shape.slice(axes);
  if (sizeOf(tail) !== scale.length) return null;
  return cast(arith('Mul', cast(kernel, 'double'), stored('double', tail, scale, `${kernel.hint}/bn_scale`)), 'float');
}

export function conv2d(g: OnnxGraph, x: Value, spec: ConvSpec, hint: string): Value {
  const [kh, kw, cin, last] = spec.kernel.shape as [number, number, number, number];
  if (spec.kernel.shape.length !== 4 || x.shape.length !== 4 || x.shape[1] !== cin) {
    throw unsupported(`a convolution with a [${spec.kernel.shape.join(',')}] kernel on a [${x.shape.join(',')}] input (NCHW)`);
  }
  const out = spec.depthwise ? cin * last : last;
  // ONNX wants [out, in / group, kh, kw]; a depthwise kernel becomes a grouped
  // convolution whose output channel i * multiplier + m reads input channel i.
  const w = new Float32Array(spec.kernel.data.length);
  const src = spec.kernel.data;
  for (let y = 0; y < kh; y++)
    for (let z = 0; z < kw; z++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < last; o++) {
          const from = ((y * kw + z) * cin + i) * last + o;
          const to = spec.depthwise ? ((i * last + o) * kh + y) * kw + z : ((o * cin + i) * kh + y) * kw + z;
          w[to] = src[from]!;
        }
  const weightShape = spec.depthwise ? [out, 1, kh, kw] : [out, cin, kh, kw];
  // The same reordering as nodes, for a kernel stored as its source stores it.
  const k = spec.kernel.stored;
  const from = k && (spec.depthwise ? reshape(transpose(k, [2, 3, 0, 1]), weightShape) : transpose(k, [3, 2, 0, 1]));
  const inputs = [x.name, g.addWeight(`${hint}/kernel`, weightShape, w, from)];
  if (spec.bias) inputs.push(g.addFloats(`${hint}/bias`, [out], spec.bias));
  const geo = windowGeometry(x, { kernel: [kh, kw], strides: spec.strides, dilations: spec.dilations, padding: spec.padding });
  const y = g.addNode('Conv', inputs, [x.shape[0]!, out, geo.height, geo.width], hint, {
    kernel_shape: [kh, kw],
    strides: spec.strides,
    dilations: spec.dilations,
    pads: geo.pads,
    group: spec.depthwise ? cin : 1,
  });
  return activation(g, y, spec.activation, `${hint}/act`);
}

/** Batch normalisation with nothing to fold into: a Mul and an Add on the channel axis. */
export function batchNorm(g: OnnxGraph, x: Value, bn: BatchNorm, hint: string): Value {
  const { scale, shift } = affine(bn);
  const shape = x.shape.length === 4 ? [scale.length, 1, 1] : [scale.length];
  if (x.shape[1] !== scale.length) {
    throw unsupported(`batch normalisation over ${scale.length} channels of a [${x.shape.join(',')}] tensor`);
  }
  const m = g.addNode('Mul', [x.name, g.addFloats(`${hint}/scale`, shape, Float32Array.from(scale))], x.shape, `${hint}/mul`);
  return g.addNode('Add', [m.name, g.addFloats(`${hint}/shift`, shape, Float32Array.from(shift))], x.shape, hint);
}

/** ReLU capped at `max` (Keras ReLU(max_value), TF Relu6) is a Clip; uncapped, a Relu. */
export function relu(g: OnnxGraph, x: Value, max: number | null, hint: string): Value {
  if (max === null) return g.addNode('Relu', [x.name], x.shape, hint);
  return g.addNode('Clip', [x.name, g.addScalar(0), g.addScalar(max)], x.shape, hint);
}

export function activation(g: OnnxGraph, x: Value, act: Activation, hint: string): Value {
  switch (act) {
    case 'linear':
      return x;
    case 'relu':
      return relu(g, x, null, hint);
    case 'relu6':
      return relu(g, x, 6, hint);
    case 'sigmoid':
      return g.addNode('Sigmoid', [x.name], x.shape, hint);
    case 'tanh':
      return g.addNode('Tanh', [x.name], x.shape, hint);
    case 'softmax':
      // Keras and TF take the softmax over the last (NHWC) axis.
      return g.addNode('Softmax', [x.name], x.shape, hint, { axis: onnxAxis(-1, x.shape.length) });
  }
}

export function pool(g: OnnxGraph, x: Value, kind: 'max' | 'avg', w: Omit<Window, 'dilations'>, hint: string): Value {
  const geo = windowGeometry(x, { ...w, dilations: [1, 1] });
  const attrs = { kernel_shape: w.kernel, strides: w.strides, pads: geo.pads };
  const shape = [x.shape[0]!, x.shape[1]!, geo.height, geo.width];
  if (kind === 'max') return g.addNode('MaxPool', [x.name], shape, hint, attrs);
  // TF averages over the pixels inside the image only, never the padding.
  return g.addNode('AveragePool', [x.name], shape, hint, { ...attrs, count_include_pad: 0 });
}

/** Keras GlobalAveragePooling2D / GlobalMaxPooling2D: [N, C]. */
export function globalPool(g: OnnxGraph, x: Value, kind: 'max' | 'avg', hint: string): Value {
  const [n = 1, c = 1] = x.shape;
  const p = g.addNode(kind === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x.name], [n, c, 1, 1], `${hint}/pool`);
  return g.addNode('Flatten', [p.name], [n, c], hint, { axis: 1 });
}

export function add(g: OnnxGraph, xs: readonly Value[], hint: string): Value {
  const shape = xs[0]!.shape;
  if (xs.some((v) => v.shape.join() !== shape.join())) throw unsupported(`an Add of differently shaped tensors`);
  return g.addNode(
    xs.length === 2 ? 'Add' : 'Sum',
    xs.map((v) => v.name),
    shape,
    hint,
  );
}

export function concat(g: OnnxGraph, xs: readonly Value[], nhwcAxis: number, hint: string): Value {
  const rank = xs[0]!.shape.length;
  const axis = onnxAxis(nhwcAxis, rank);
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((s, v) => s + v.shape[axis]!, 0);
  return g.addNode(
    'Concat',
    xs.map((v) => v.name),
    shape,
    hint,
    { axis },
  );
}

/** x [N, in] times kernel [in, out] (or [out, in] when `transposed`) plus bias, then the activation. */
export function dense(
  g: OnnxGraph,
  x: Value,
  kernel: WeightTensor,
  bias: Float32Array | null,
  act: Activation,
  hint: string,
  transposed = false,
): Value {
  const [a = 0, b = 0] = kernel.shape;
  const [inputs, units] = transposed ? [b, a] : [a, b];
  if (x.shape.length !== 2 || x.shape[1] !== inputs) {
    throw unsupported(`a [${kernel.shape.join(',')}] dense kernel on a [${x.shape.join(',')}] input`);
  }
  const names = [x.name, g.addWeight(`${hint}/kernel`, kernel.shape, kernel.data, kernel.stored)];
  if (bias) names.push(g.addFloats(`${hint}/bias`, [units], bias));
  const y = g.addNode('Gemm', names, [x.shape[0]!, units], hint, { transB: transposed ? 1 : 0 });
  return activation(g, y, act, `${hint}/act`);
}

/** Keras Flatten reads NHWC order: channels vary fastest, so NCHW goes back to NHWC first unless H = W = 1. */
export function flatten(g: OnnxGraph, x: Value, hint: string): Value {
  if (x.shape.length === 2) return x;
  const [n = 1, c = 1, h = 1, w = 1] = x.shape;
  let src = x;
  if (h * w !== 1) src = g.addNode('Transpose', [x.name], [n, h, w, c], `${hint}/nhwc`, { perm: [0, 2, 3, 1] });
  return g.addNode('Flatten', [src.name], [n, c * h * w], hint, { axis: 1 });
}

/** TF Squeeze over NHWC axes. */
export function squeeze(g: OnnxGraph, x: Value, nhwcAxes: readonly number[], hint: string): Value {
  const axes = nhwcAxes.map((a) => onnxAxis(a, x.shape.length)).sort((p, q) => p - q);
  if (axes.some((a) => x.shape[a] !== 1)) throw unsupported(`a Squeeze of axes that are not 1 long`);
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  return g.addNode('Squeeze', [x.name, g.addInt64s(`${hint}/axes`, axes)], shape, hint);
}

/**
 * Keras ZeroPadding2D that no convolution could absorb, as Concats with blocks
 * of zeros rather than a Pad: onnxruntime (1.30, web and node) fuses Pad into a
 * following MaxPool's own pads, which MaxPool ignores (-inf, not 0), so a
 * ZeroPadding2D before MaxPooling2D would silently change the result
 * (microsoft/onnxruntime#18136 added that fusion; onnx/optimizer#318 fixes the
 * same mistake elsewhere).
 */
export function zeroPad(g: OnnxGraph, x: Value, p: Pads, hint: string): Value {
  const zeros = (v: Value, axis: 2 | 3, size: number, tag: string): string => {
    const shape = [...v.shape];
    shape[axis] = size;
    return g.addFloats(`${hint}/${tag}`, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));
  };
  const along = (v: Value, axis: 2 | 3, before: number, after: number, name: string): Value => {
    if (!before && !after) return v;
    const parts = [
      before ? zeros(v, axis, before, `${name}_before`) : '',
      v.name,
      after ? zeros(v, axis, after, `${name}_after`) : '',
    ];
    const shape = [...v.shape];
    shape[axis] = shape[axis]! + before + after;
    return g.addNode('Concat', parts.filter(Boolean), shape, `${hint}/${name}`, { axis });
  };
  return along(along(x, 2, p.top, p.bottom, 'rows'), 3, p.left, p.right, 'columns');
}

/**
 * An elementwise Add/Sub/Mul where one side may be a constant: the constant is
 * laid out for NCHW broadcasting (a per-channel vector becomes [C, 1, 1]).
 */
export function binary(
  g: OnnxGraph,
  op: 'Add' | 'Sub' | 'Mul',
  a: Value | WeightTensor,
  b: Value | WeightTensor,
  hint: string,
): Value {
  const isValue = (v: Value | WeightTensor): v is Value => 'name' in v;
  const other = isValue(a) ? a : isValue(b) ? b : null;
  if (!other) throw unsupported(`an ${op} of two constants`);
  const name = (v: Value | WeightTensor, side: string): string => {
    if (isValue(v)) return v.name;
    const n = sizeOf(v.shape);
    if (n === 1) return g.addFloats(`${hint}/${side}`, [], v.data);
    if (v.shape.length === 1 && other.shape.length === 4 && other.shape[1] === n)
      return g.addFloats(`${hint}/${side}`, [n, 1, 1], v.data);
    if (v.shape.length === other.shape.length && other.shape.length < 4) return g.addFloats(`${hint}/${side}`, v.shape, v.data);
    throw unsupported(`an ${op} with a [${v.shape.join(',')}] constant on a [${other.shape.join(',')}] tensor`);
  };
  if (isValue(a) && isValue(b) && a.shape.join() !== b.shape.join()) throw unsupported(`an ${op} of differently shaped tensors`);
  return g.addNode(op, [name(a, 'a'), name(b, 'b')], other.shape, hint);
}
