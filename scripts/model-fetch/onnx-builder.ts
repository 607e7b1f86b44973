/**
 * A small ONNX graph builder for the converters: it tracks the shape of every
 * value it creates, because the converters need shapes to turn TensorFlow's
 * 'same' padding into explicit pads and to check that the model they produce is
 * the one the manifest describes. Every value is float32.
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

export class OnnxGraph {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: Value[] = [];
  private readonly used = new Set<string>();
  private readonly scalars = new Map<number, string>();
  /** Which operators the graph uses, for the converter's summary. */
  readonly opTypes = new Set<string>();

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

  private addInitializer(hint: string, dims: readonly number[], dataType: number, data: Float32Array | BigInt64Array): string {
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
