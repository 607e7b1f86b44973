/**
 * A small ONNX graph builder for the converters: it tracks the shape of every
 * value it creates, because the converters need shapes to turn TensorFlow's
 * 'same' padding into explicit pads and to check that the model they produce is
 * the one the manifest describes. Every value the graph computes is float32;
 * weights may be stored smaller and rebuilt at load by constant nodes (see Stored).
 *
 * Opset 13 and IR version 8, like test/models/make-models.mjs: onnxruntime-web
 * runs every operator used here on both its WASM and WebGPU providers there.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const OPSET = 13;
export const IR_VERSION = 8;

/** A value in the graph: its name and its ONNX shape (NCHW for images). */
export interface Value {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Attribute values: integers (INT), integer lists (INTS), text (STRING) or { f } (FLOAT). */
export type AttributeValue = number | readonly number[] | string | { readonly f: number };

type NodeProto = import('onnx-proto').onnx.INodeProto;
type TensorProto = import('onnx-proto').onnx.ITensorProto;

function attribute(name: string, value: AttributeValue): import('onnx-proto').onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer; pass { f } for a float`);
    return { name, type: AttributeType.INT, i: value };
  }
  if ('f' in value) return { name, type: AttributeType.FLOAT, f: value.f };
  return { name, type: AttributeType.INTS, ints: [...value] };
}

function valueInfo(v: Value): import('onnx-proto').onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: v.shape.map((dimValue) => ({ dimValue })) } },
    },
  };
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A weight kept as the source stores it and rebuilt by nodes whose inputs are
 * all initializers, which onnxruntime folds into one float32 initializer when it
 * loads the model (constant folding, at every graphOptimizationLevel but
 * 'disabled'; it runs before the graph is split between execution providers).
 * Every node is one IEEE operation (Cast, Mul, Add, Transpose, Reshape), so its
 * value here, computed in JavaScript with the same operations, is the value
 * onnxruntime folds: `addWeight` checks it against the float32 weights the
 * converter computed, bit for bit, before it writes a node.
 */
export type StoredType = 'uint8' | 'uint16' | 'float' | 'double';
export interface Stored {
  readonly type: StoredType;
  readonly shape: readonly number[];
  readonly data: Uint8Array | Uint16Array | Float32Array | Float64Array;
  /** How it is computed; null for an initializer. */
  readonly op: null | { readonly type: string; readonly inputs: readonly Stored[]; readonly attributes: Readonly<Record<string, AttributeValue>> };
  readonly hint: string;
}

const ARRAYS = { uint8: Uint8Array, uint16: Uint16Array, float: Float32Array, double: Float64Array } as const;
const DATA_TYPES = { uint8: 2, uint16: 4, float: 1, double: 11 } as const;

/** An initializer as stored. */
export function stored(type: StoredType, shape: readonly number[], data: Stored['data'], hint: string): Stored {
  if (data.length !== sizeOf(shape)) throw new Error(`${hint}: ${data.length} values for shape [${shape.join(',')}]`);
  return { type, shape: [...shape], data, op: null, hint };
}

/** Cast: uint8/uint16 to double is exact; double to float rounds once to nearest, as Math.fround does. */
export function cast(x: Stored, to: 'float' | 'double'): Stored {
  const data = new ARRAYS[to](x.data.length);
  data.set(x.data);
  return { type: to, shape: x.shape, data, op: { type: 'Cast', inputs: [x], attributes: { to: DATA_TYPES[to] } }, hint: x.hint };
}

/**
 * Mul or Add of two tensors of one type, the smaller one broadcast: a scalar,
 * or the trailing axes of the larger one (numpy's rule for those cases).
 */
export function arith(op: 'Mul' | 'Add', a: Stored, b: Stored): Stored {
  if (a.type !== b.type) throw new Error(`${op} of ${a.type} and ${b.type}`);
  const [big, small] = a.data.length >= b.data.length ? [a, b] : [b, a];
  const tail = big.shape.slice(big.shape.length - small.shape.length);
  if (small.data.length !== 1 && tail.join() !== small.shape.join()) {
    throw new Error(`${op} of [${a.shape.join(',')}] and [${b.shape.join(',')}] does not broadcast`);
  }
  const data = new ARRAYS[big.type](big.data.length);
  const m = small.data.length;
  // Operands in the order the node reads them: a op b.
  const left = a === big ? (i: number) => big.data[i]! : (i: number) => small.data[i % m]!;
  const right = a === big ? (i: number) => small.data[i % m]! : (i: number) => big.data[i]!;
  for (let i = 0; i < data.length; i++) data[i] = op === 'Mul' ? left(i) * right(i) : left(i) + right(i);
  return { type: big.type, shape: big.shape, data, op: { type: op, inputs: [a, b], attributes: {} }, hint: big.hint };
}

export function transpose(x: Stored, perm: readonly number[]): Stored {
  const shape = perm.map((p) => x.shape[p]!);
  const strides = x.shape.map((_, i) => sizeOf(x.shape.slice(i + 1)));
  const data = new ARRAYS[x.type](x.data.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < data.length; i++) {
    let from = 0;
    for (let k = 0; k < shape.length; k++) from += index[k]! * strides[perm[k]!]!;
    data[i] = x.data[from]!;
    for (let k = shape.length - 1; k >= 0 && ++index[k]! === shape[k]; k--) index[k] = 0;
  }
  return { type: x.type, shape, data, op: { type: 'Transpose', inputs: [x], attributes: { perm: [...perm] } }, hint: x.hint };
}

export function reshape(x: Stored, shape: readonly number[]): Stored {
  if (sizeOf(shape) !== x.data.length) throw new Error(`cannot reshape [${x.shape.join(',')}] to [${shape.join(',')}]`);
  return { ...x, shape: [...shape], op: { type: 'Reshape', inputs: [x], attributes: {} } };
}

/** TF.js's dequantization, `q * scale + min` in double precision, rounded once to float32 (tfjs-core io_utils). */
export function dequantize(q: Stored, scale: number, min: number): Stored {
  const d = cast(q, 'double');
  return cast(arith('Add', arith('Mul', d, stored('double', [], Float64Array.of(scale), `${q.hint}/scale`)), stored('double', [], Float64Array.of(min), `${q.hint}/min`)), 'float');
}

const sameBits = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export class OnnxGraph {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: Value[] = [];
  private readonly used = new Set<string>();
  private readonly scalars = new Map<number, string>();
  /** Which operators the graph uses, for the converter's summary. */
  readonly opTypes = new Set<string>();
  /** false writes every weight as float32, however its source stores it. */
  private readonly keepStored: boolean;

  constructor({ keepStored = true }: { keepStored?: boolean } = {}) {
    this.keepStored = keepStored;
  }

  /** `hint` itself when still free (so values keep their layer names), else `hint_2`, `hint_3`… */
  unique(hint: string): string {
    let name = hint;
    for (let i = 2; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  get inputValues(): readonly Value[] {
    return this.inputs;
  }

  addInput(name: string, shape: readonly number[]): Value {
    const v = { name: this.unique(name), shape: [...shape] };
    if (v.name !== name) throw new Error(`input name ${name} is already taken`);
    this.inputs.push(v);
    return v;
  }

  /** A float32 initializer; returns its name. */
  addFloats(hint: string, shape: readonly number[], data: Float32Array): string {
    if (data.length !== sizeOf(shape)) throw new Error(`${hint}: ${data.length} values for shape [${shape.join(',')}]`);
    return this.addInitializer(hint, shape, onnx.TensorProto.DataType.FLOAT, data);
  }

  /**
   * A float32 weight: `data` itself, or, given how it is stored, the nodes that
   * rebuild it at load, after checking that they rebuild exactly `data`.
   */
  addWeight(hint: string, shape: readonly number[], data: Float32Array, from?: Stored | null): string {
    if (!from || !this.keepStored) return this.addFloats(hint, shape, data);
    if (from.type !== 'float' || from.shape.join() !== shape.join() || !sameBits(from.data, data)) {
      throw new Error(`${hint}: the stored form does not rebuild the converted weights bit for bit`);
    }
    return this.materialize(from, hint);
  }

  /** Stored values already written, by identity: a tensor read twice is written once. */
  private readonly built = new Map<Stored, string>();

  private materialize(x: Stored, hint: string): string {
    let name = this.built.get(x);
    if (name) return name;
    if (!x.op) {
      name = this.addInitializer(x.hint, x.shape, DATA_TYPES[x.type], x.data);
    } else {
      const inputs = x.op.inputs.map((i) => this.materialize(i, hint));
      if (x.op.type === 'Reshape') inputs.push(this.addInt64s(`${hint}/shape`, x.shape));
      name = this.addNode(x.op.type, inputs, x.shape, `${hint}/${x.op.type.toLowerCase()}`, x.op.attributes).name;
    }
    this.built.set(x, name);
    return name;
  }

  /** A float32 scalar initializer, shared by every node that needs the same value (Clip's 0 and 6). */
  addScalar(value: number): string {
    let name = this.scalars.get(value);
    if (!name) {
      name = this.addFloats(`const_${String(value).replace(/[^0-9a-z]/gi, '_')}`, [], Float32Array.of(value));
      this.scalars.set(value, name);
    }
    return name;
  }

  /** A 1-D int64 initializer (pads, shapes); returns its name. */
  addInt64s(hint: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.addInitializer(hint, [values.length], onnx.TensorProto.DataType.INT64, data);
  }

  private addInitializer(hint: string, dims: readonly number[], dataType: number, data: ArrayBufferView): string {
    const name = this.unique(hint);
    // raw_data is little-endian by the ONNX spec, as typed arrays are on every platform Node runs on.
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims: [...dims], dataType, rawData });
    return name;
  }

  /** Adds a node with one output of the given shape, named after `hint`. */
  addNode(
    opType: string,
    inputs: readonly string[],
    shape: readonly number[],
    hint: string,
    attributes: Readonly<Record<string, AttributeValue>> = {},
  ): Value {
    const name = this.unique(hint);
    this.opTypes.add(opType);
    this.nodes.push({
      name,
      opType,
      input: [...inputs],
      output: [name],
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return { name, shape: [...shape] };
  }

  /**
   * Renames a node output to the graph output's public name (e.g. "probabilities"):
   * the converters name values after the layers they come from until the end.
   */
  rename(v: Value, name: string): Value {
    if (v.name === name) return v;
    if (this.used.has(name)) throw new Error(`cannot rename ${v.name} to ${name}: the name is taken`);
    this.used.add(name);
    for (const node of this.nodes) {
      node.input = node.input?.map((n) => (n === v.name ? name : n)) ?? null;
      node.output = node.output?.map((n) => (n === v.name ? name : n)) ?? null;
    }
    return { name, shape: v.shape };
  }

  /** Serialises the graph with `output` as its only output. */
  encode(output: Value, meta: { graphName: string; producer: string; docString: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: meta.producer,
      producerVersion: '1',
      docString: meta.docString,
      graph: {
        name: meta.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs.map(valueInfo),
        output: [valueInfo(output)],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
