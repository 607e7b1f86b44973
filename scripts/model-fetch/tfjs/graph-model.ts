/**
 * A TF.js graph model (a frozen TensorFlow GraphDef, as nsfwjs's MobileNetV2Mid
 * is) to ONNX, node by node from the output back. The TF.js converter has
 * already folded batch normalisation into the convolutions (_FusedConv2D with
 * BiasAdd and Relu6), so no folding is needed here.
 */
import { ModelFetchError } from '../error.js';
import type { OnnxGraph, Value } from '../onnx-builder.js';
import * as op from './nhwc-ops.js';
import type { WeightTensor, Weights } from './weights.js';

interface AttrValue {
  readonly s?: string;
  readonly i?: string | number;
  readonly f?: number;
  readonly b?: boolean;
  readonly list?: { readonly i?: readonly (string | number)[]; readonly s?: readonly string[] };
  readonly shape?: { readonly dim?: readonly { readonly size?: string | number }[] };
}

interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, AttrValue>>;
}

/** The TensorFlow operations this converter understands. */
export const GRAPH_OPS: readonly string[] = [
  'Placeholder',
  'Const',
  'Identity',
  'Conv2D',
  '_FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2dNative',
  'BiasAdd',
  'Relu',
  'Relu6',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'Add',
  'AddV2',
  'Sub',
  'Mul',
  'AvgPool',
  'MaxPool',
  'Squeeze',
  'MatMul',
  '_FusedMatMul',
  'ConcatV2',
];

const fail = (message: string) => new ModelFetchError(message, 'unsupported');
/** GraphDef strings arrive base64-encoded in TF.js's model.json. */
const text = (s: string | undefined) => (s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8'));
const ints = (a: AttrValue | undefined) => (a?.list?.i ?? []).map(Number);

export interface GraphOptions {
  readonly inputName: string;
  readonly inputSize: number;
}

/** The node the model's signature names as its output, or else the one node nothing reads. */
function outputNode(nodes: ReadonlyMap<string, GraphNode>, metadata: unknown): string {
  const signature = (metadata as { signature?: { outputs?: Record<string, { name?: string }> } } | undefined)?.signature;
  const named = Object.values(signature?.outputs ?? {}).map((o) => String(o.name).replace(/:\d+$/, ''));
  if (named.length === 1 && nodes.has(named[0]!)) return named[0]!;
  const read = new Set([...nodes.values()].flatMap((n) => (n.input ?? []).map((i) => i.replace(/^\^/, '').replace(/:\d+$/, ''))));
  const ends = [...nodes.values()].filter((n) => !read.has(n.name) && n.op !== 'Const').map((n) => n.name);
  if (ends.length !== 1) {
    throw fail(`The graph model has ${ends.length} outputs (${ends.slice(0, 3).join(', ')}); a classifier has one.`);
  }
  return ends[0]!;
}

export function convertGraph(
  g: OnnxGraph,
  topology: { readonly node?: readonly GraphNode[] },
  weights: Weights,
  metadata: unknown,
  opts: GraphOptions,
): { output: Value; layerTypes: Set<string> } {
  const nodes = new Map((topology.node ?? []).map((n) => [n.name, n]));
  const done = new Map<string, Value | WeightTensor>();
  const layerTypes = new Set<string>();
  let inputs = 0;

  const isValue = (v: Value | WeightTensor): v is Value => 'name' in v;
  const value = (ref: string): Value => {
    const v = visit(ref);
    if (!isValue(v)) throw fail(`The graph node ${ref} is a constant where the converter expects a computed tensor.`);
    return v;
  };
  const constant = (ref: string): WeightTensor => {
    const v = visit(ref);
    if (isValue(v)) throw fail(`The graph node ${ref} is computed where the converter expects a constant.`);
    return v;
  };
  const nhwc = (n: GraphNode) => {
    const format = text(n.attr?.data_format?.s) || 'NHWC';
    if (format !== 'NHWC') throw fail(`The graph node ${n.name} is ${format}; only NHWC is handled.`);
  };
  const padding = (n: GraphNode): op.Padding => {
    const p = text(n.attr?.padding?.s);
    if (p === 'SAME' || p === 'VALID') return p === 'SAME' ? 'same' : 'valid';
    const e = ints(n.attr?.explicit_paddings);
    if (p === 'EXPLICIT' && e.length === 8) return { top: e[2]!, bottom: e[3]!, left: e[4]!, right: e[5]! };
    throw fail(`The graph node ${n.name} has the padding ${p}, which the converter does not handle.`);
  };
  const hw = (n: GraphNode, key: string, fallback: number): [number, number] => {
    const v = ints(n.attr?.[key]);
    return v.length === 4 ? [v[1]!, v[2]!] : [fallback, fallback];
  };
  /** Fused ops after a convolution or matmul: BiasAdd (required when fused) then at most one activation. */
  const fused = (n: GraphNode): { bias: boolean; activation: op.Activation } => {
    const list = (n.attr?.fused_ops?.list?.s ?? []).map(text);
    const known: Record<string, op.Activation> = { Relu: 'relu', Relu6: 'relu6', Sigmoid: 'sigmoid', Tanh: 'tanh' };
    const [first, second, ...rest] = list;
    if ((first !== undefined && first !== 'BiasAdd') || (second !== undefined && !known[second]) || rest.length) {
      throw fail(`The graph node ${n.name} fuses ${list.join(' + ')}, which the converter does not handle.`);
    }
    return { bias: first === 'BiasAdd', activation: second ? known[second]! : 'linear' };
  };

  function visit(ref: string): Value | WeightTensor {
    const name = ref.replace(/:\d+$/, '');
    if (ref !== name && !ref.endsWith(':0')) throw fail(`The graph reads ${ref}; only first outputs are handled.`);
    const seen = done.get(name);
    if (seen) return seen;
    const n = nodes.get(name);
    if (!n) throw fail(`The graph reads the node ${name}, which it does not define.`);
    if (!GRAPH_OPS.includes(n.op)) {
      throw fail(
        `The graph model uses the TensorFlow op ${n.op} (${n.name}), which the converter does not handle; it handles ${GRAPH_OPS.join(', ')}.`,
      );
    }
    layerTypes.add(n.op);
    const args = (n.input ?? []).filter((i) => !i.startsWith('^'));
    const result = build(n, args);
    done.set(name, result);
    return result;
  }

  function build(n: GraphNode, args: readonly string[]): Value | WeightTensor {
    switch (n.op) {
      case 'Placeholder': {
        if (++inputs > 1) throw fail('The graph model has more than one input; a classifier has one.');
        const dims = (n.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        const [, h, w, c] = dims.map((d) => (d > 0 ? d : null));
        if (dims.length !== 4 || c !== 3) {
          throw fail(`The graph model's input has the shape [${dims.join(',')}]; an RGB image [-1,H,W,3] was expected.`);
        }
        return g.addInput(opts.inputName, [1, 3, h ?? opts.inputSize, w ?? opts.inputSize]);
      }
      case 'Const': {
        const w = weights.get(n.name);
        if (!w) throw fail(`The graph constant ${n.name} has no weights in the model's shards.`);
        return w;
      }
      case 'Identity':
        return visit(args[0]!);
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        nhwc(n);
        const f = fused(n);
        return op.conv2d(
          g,
          value(args[0]!),
          {
            kernel: constant(args[1]!),
            depthwise: n.op.includes('Depthwise'),
            bias: f.bias ? constant(args[2]!).data : null,
            strides: hw(n, 'strides', 1),
            dilations: hw(n, 'dilations', 1),
            padding: padding(n),
            activation: f.activation,
          },
          n.name,
        );
      }
      case 'BiasAdd':
        nhwc(n);
        return op.binary(g, 'Add', value(args[0]!), constant(args[1]!), n.name);
      case 'Relu':
      case 'Relu6':
        return op.relu(g, value(args[0]!), n.op === 'Relu6' ? 6 : null, n.name);
      case 'Sigmoid':
      case 'Tanh':
      case 'Softmax':
        return op.activation(g, value(args[0]!), n.op.toLowerCase() as op.Activation, n.name);
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
        return op.binary(g, n.op === 'Mul' ? 'Mul' : n.op === 'Sub' ? 'Sub' : 'Add', visit(args[0]!), visit(args[1]!), n.name);
      case 'AvgPool':
      case 'MaxPool': {
        nhwc(n);
        const window = { kernel: hw(n, 'ksize', 1), strides: hw(n, 'strides', 1), padding: padding(n) };
        return op.pool(g, value(args[0]!), n.op === 'MaxPool' ? 'max' : 'avg', window, n.name);
      }
      case 'Squeeze':
        return op.squeeze(g, value(args[0]!), ints(n.attr?.squeeze_dims), n.name);
      case 'MatMul':
      case '_FusedMatMul': {
        if (n.attr?.transpose_a?.b) {
          throw fail(`The graph node ${n.name} transposes its input, which the converter does not handle.`);
        }
        const f = fused(n);
        const bias = f.bias ? constant(args[2]!).data : null;
        return op.dense(g, value(args[0]!), constant(args[1]!), bias, f.activation, n.name, n.attr?.transpose_b?.b === true);
      }
      case 'ConcatV2': {
        const axis = constant(args.at(-1)!).data[0]!;
        return op.concat(g, args.slice(0, -1).map(value), axis, n.name);
      }
      default:
        throw fail(`The graph model uses the TensorFlow op ${n.op}, which the converter does not handle.`);
    }
  }

  const output = value(outputNode(nodes, metadata));
  // A constant nobody read means part of the graph was skipped: refuse rather than guess.
  const unused = [...weights.keys()].filter((k) => !done.has(k));
  if (unused.length) {
    throw fail(`The converter did not use ${unused.length} of the graph's constants (${unused.slice(0, 3).join(', ')}).`);
  }
  return { output, layerTypes };
}
