// @ts-check
/**
 * A "fingerprint" model with NudeNet's contract (images [1,3,S,S] -> output0
 * [1,22,A]) whose only detection has a score that depends on every value of the
 * input tensor: score = 0.6 + mean(sin(images * W)) with W large and seeded. A
 * change of one level in one pixel moves the score by about 1e-5, far above
 * float32's step near 0.6, so two inputs give the same score only if their tensors
 * are the same. Browser tests use it to check that the fast ways of reading
 * pixels give exactly the tensor of the reference way.
 *
 *   import { buildProbeModel } from './make-probe.mjs'
 */
import onnxProto from 'onnx-proto';
import { INPUT_NAME, OUTPUT_NAME, OUTPUT_ROWS, anchorsFor } from './fixture-spec.mjs';
import { IR_VERSION, OPSET, mulberry32 } from './make-models.mjs';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** The box of the probe's one detection, in model-input pixels: (cx, cy, w, h). */
export const PROBE_BOX = [160, 160, 100, 100];

/**
 * @param {string} name @param {number[]} dims @param {number} dataType
 * @param {Float32Array | BigInt64Array} data
 */
const tensor = (name, dims, dataType, data) => ({ name, dims, dataType, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });

/** @param {number} [size] @returns {Uint8Array} */
export function buildProbeModel(size = 320) {
  const anchors = anchorsFor(size);
  const random = mulberry32(0x0b5e55ed);
  const weights = Float32Array.from({ length: 3 * size * size }, () => (random() < 0.5 ? -1 : 1) * (500 + 1000 * random()));
  // output0 = base + score * mask: base holds the box of anchor 0, mask picks its class-0 score.
  const base = new Float32Array(OUTPUT_ROWS * anchors);
  PROBE_BOX.forEach((v, row) => (base[row * anchors] = v));
  const mask = new Float32Array(OUTPUT_ROWS * anchors);
  mask[4 * anchors] = 1;
  const node = (/** @type {string} */ opType, /** @type {string[]} */ input, /** @type {string} */ output, attribute = /** @type {any[]} */ ([])) => ({ opType, input, output: [output], name: output, attribute });
  const graph = {
    name: `veil_probe_${size}`,
    node: [
      node('Mul', [INPUT_NAME, 'weights'], 'scaled'),
      node('Sin', ['scaled'], 'waves'),
      node('ReduceMean', ['waves'], 'mean', [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 2, 3] }, { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
      node('Reshape', ['mean', 'scalar_shape'], 'flat'),
      node('Add', ['flat', 'offset'], 'score'),
      node('Mul', ['score', 'mask'], 'placed'),
      node('Add', ['placed', 'base'], OUTPUT_NAME),
    ],
    initializer: [
      tensor('weights', [1, 3, size, size], FLOAT, weights),
      tensor('scalar_shape', [3], INT64, BigInt64Array.from([1n, 1n, 1n])),
      tensor('offset', [], FLOAT, Float32Array.from([0.6])),
      tensor('mask', [1, OUTPUT_ROWS, anchors], FLOAT, mask),
      tensor('base', [1, OUTPUT_ROWS, anchors], FLOAT, base),
    ],
    input: [{ name: INPUT_NAME, type: { tensorType: { elemType: FLOAT, shape: { dim: [1, 3, size, size].map((dimValue) => ({ dimValue })) } } } }],
    output: [{ name: OUTPUT_NAME, type: { tensorType: { elemType: FLOAT, shape: { dim: [1, OUTPUT_ROWS, anchors].map((dimValue) => ({ dimValue })) } } } }],
  };
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'veil test/models/make-probe.mjs',
    docString: 'Fingerprint of the input tensor as the score of one detection: for tests of pixel reading.',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
