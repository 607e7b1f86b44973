/**
 * An ONNX model with its weights stored as float16 and cast back to float32 at
 * load: every float32 initializer that a Conv, Gemm or MatMul reads as its
 * weight or bias becomes a float16 initializer and a Cast node with the
 * original name, so the nodes that read it are untouched. onnxruntime folds the
 * Cast when it loads the model (constant folding), so every operation still
 * computes in float32: only the weights are rounded, each to the nearest float16.
 */
import onnxProto from 'onnx-proto';
import { ModelFetchError } from './error.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/** Which inputs of which operators are weights. */
const WEIGHT_INPUTS: Readonly<Record<string, readonly number[]>> = { Conv: [1, 2], Gemm: [1, 2], MatMul: [1], ConvTranspose: [1, 2] };

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 to IEEE half precision, rounded to nearest, ties to even (as numpy's astype(float16)). */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf, NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: Inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the full mantissa into place, rounding to even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Inf).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

function floats(t: import('onnx-proto').onnx.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData);
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

export interface Fp16Result {
  readonly bytes: Uint8Array;
  /** How many initializers, and how many values, became float16. */
  readonly tensors: number;
  readonly values: number;
}

export function withFloat16Weights(model: Uint8Array, shown: string): Fp16Result {
  let m: import('onnx-proto').onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(model);
  } catch (err) {
    throw new ModelFetchError(`${shown} is not an ONNX model (${(err as Error).message}).`, 'not-onnx');
  }
  const graph = m.graph!;
  const weights = new Set<string>();
  for (const n of graph.node ?? []) {
    for (const i of WEIGHT_INPUTS[n.opType ?? ''] ?? []) if (n.input?.[i]) weights.add(n.input[i]!);
  }
  const casts: import('onnx-proto').onnx.INodeProto[] = [];
  let values = 0;
  for (const t of graph.initializer ?? []) {
    if (t.dataType !== FLOAT || !weights.has(t.name!)) continue;
    const data = floats(t);
    const half = Uint16Array.from(data, toHalf);
    const name = t.name!;
    t.name = `${name}_fp16`;
    t.dataType = FLOAT16;
    t.floatData = [];
    // raw_data is little-endian, as typed arrays are on every platform Node runs on.
    t.rawData = new Uint8Array(half.buffer);
    casts.push({ name: `${name}_cast`, opType: 'Cast', input: [t.name], output: [name], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] });
    values += data.length;
  }
  if (!casts.length) throw new ModelFetchError(`${shown} has no float32 weights to store as float16.`, 'unsupported');
  graph.node = [...casts, ...(graph.node ?? [])];
  return { bytes: onnx.ModelProto.encode(m).finish(), tensors: casts.length, values };
}
