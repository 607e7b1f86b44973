/**
 * Decoding a TF.js weight manifest into float32 tensors, value for value as
 * TF.js does it (tfjs-core src/io/io_utils.ts, decodeWeight): the converted model
 * must compute with the very numbers nsfwjs computes with.
 *
 * uint8/uint16 quantization stores q with a per-tensor { min, scale }; TF.js
 * computes `q * scale + min` in double precision and stores the result in a
 * Float32Array, that is, rounds once to float32. The same expression here, in the
 * same order, gives bit-identical weights.
 */
import { ModelFetchError } from '../error.js';
import { dequantize, sizeOf, stored, type Stored } from '../onnx-builder.js';
import type { TfjsArtifacts, WeightSpec } from './artifacts.js';

export interface WeightTensor {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  /** int32 weights (axes, shapes in graph models) are kept as exact integers in a Float32Array. */
  readonly data: Float32Array;
  /**
   * For quantized float32 weights: the stored integers and TF.js's dequantization
   * of them, which the ONNX file keeps instead of `data` (a quarter of the bytes
   * for uint8) and onnxruntime turns into `data` at load.
   */
  readonly stored?: Stored | null;
}

export type Weights = ReadonlyMap<string, WeightTensor>;

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** IEEE 754 half precision to float, as TF.js's getFloat16Decoder computes it. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

function decodeOne(spec: WeightSpec, bytes: DataView): WeightTensor {
  const n = sizeOf(spec.shape);
  const out = new Float32Array(n);
  const q = spec.quantization;
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32') {
    throw new ModelFetchError(
      `The weight ${spec.name} has the type ${spec.dtype}, which the converter does not handle.`,
      'unsupported',
    );
  }
  if (q?.dtype === 'uint8' || q?.dtype === 'uint16') {
    if (typeof q.min !== 'number' || typeof q.scale !== 'number') {
      throw new ModelFetchError(`The weight ${spec.name} is quantized to ${q.dtype} without its min and scale.`, 'not-tfjs');
    }
    const { min, scale } = q;
    const wide = q.dtype === 'uint16';
    for (let i = 0; i < n; i++) {
      const v = wide ? bytes.getUint16(2 * i, true) : bytes.getUint8(i);
      // TF.js rounds int32 weights to whole numbers after dequantizing.
      out[i] = spec.dtype === 'int32' ? Math.round(v * scale + min) : v * scale + min;
    }
  } else if (q?.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(bytes.getUint16(2 * i, true));
  } else if (q) {
    throw new ModelFetchError(
      `The weight ${spec.name} is quantized as ${q.dtype}, which TF.js itself does not know.`,
      'not-tfjs',
    );
  } else if (spec.dtype === 'int32') {
    for (let i = 0; i < n; i++) out[i] = bytes.getInt32(4 * i, true);
  } else {
    for (let i = 0; i < n; i++) out[i] = bytes.getFloat32(4 * i, true);
  }
  const quantized =
    spec.dtype === 'float32' && (q?.dtype === 'uint8' || q?.dtype === 'uint16')
      ? dequantize(
          stored(
            q.dtype,
            spec.shape,
            q.dtype === 'uint8' ? new Uint8Array(bytes.buffer, bytes.byteOffset, n).slice() : uint16s(bytes, n),
            spec.name,
          ),
          q.scale!,
          q.min!,
        )
      : null;
  return { shape: [...spec.shape], dtype: spec.dtype, data: out, stored: quantized };
}

/** Little-endian uint16s, wherever they sit in the shard. */
function uint16s(bytes: DataView, n: number): Uint16Array {
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes.getUint16(2 * i, true);
  return out;
}

/** Every weight of the model by name; the shards must hold exactly the bytes the manifest lists. */
export function decodeWeights({ json, weightData, source }: TfjsArtifacts): Weights {
  const weights = new Map<string, WeightTensor>();
  let offset = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    const size = sizeOf(spec.shape) * (BYTES[spec.quantization?.dtype ?? spec.dtype] ?? 0);
    if (size === 0 && sizeOf(spec.shape) !== 0) {
      throw new ModelFetchError(
        `The weight ${spec.name} in ${source} has the type ${spec.dtype}, which the converter does not handle.`,
        'unsupported',
      );
    }
    if (offset + size > weightData.byteLength) {
      throw new ModelFetchError(
        `The weight shards of ${source} hold ${weightData.byteLength} bytes, fewer than its manifest lists (at ${spec.name}); a shard is missing or truncated.`,
        'not-tfjs',
      );
    }
    weights.set(spec.name, decodeOne(spec, new DataView(weightData.buffer, weightData.byteOffset + offset, size)));
    offset += size;
  }
  if (offset !== weightData.byteLength) {
    throw new ModelFetchError(
      `The weight shards of ${source} hold ${weightData.byteLength} bytes but its manifest lists ${offset}; the shards do not belong to this model.json.`,
      'not-tfjs',
    );
  }
  return weights;
}
