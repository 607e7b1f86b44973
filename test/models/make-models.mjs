// @ts-check
/**
 * Generates the ONNX models the tests run instead of the real NudeNet weights:
 *
 *   veil-fixture-320.onnx / veil-fixture-640.onnx  semantic fixture: "detects" flat colour
 *                                                  patches (see fixture-spec.mjs)
 *   yolov8n-twin-320.onnx                          performance twin: the real YOLOv8n graph
 *                                                  at 320 with nc=18 and seeded random weights
 *                                                  that detect nothing
 *   bad-inputs.onnx                                valid model with the wrong I/O names/shapes
 *
 * Usage: node test/models/make-models.mjs [--out DIR]   (default: <repo>/public/models)
 *
 * Output is deterministic byte-for-byte; a file whose content would not change is not
 * rewritten. Models are build artefacts: never commit them.
 *
 * Only ops that onnxruntime-web runs on both its WASM and WebGPU execution providers are
 * used, at opset 13 (ReduceMax still takes `axes` as an attribute there), IR version 8.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import onnxProto from 'onnx-proto';
import {
  COLOR_TOLERANCE,
  FIXTURE_COLORS,
  INPUT_NAME,
  NUM_CLASSES,
  OUTPUT_NAME,
  OUTPUT_ROWS,
  SHADOWS,
  anchorsFor,
} from './fixture-spec.mjs';

const { onnx } = onnxProto;
/** @typedef {import('onnx-proto').onnx.IAttributeProto} AttributeProto */
/** @typedef {import('onnx-proto').onnx.IValueInfoProto} ValueInfoProto */
/** @typedef {import('onnx-proto').onnx.INodeProto} NodeProto */
/** @typedef {import('onnx-proto').onnx.ITensorProto} TensorProto */

export const OPSET = 13;
export const IR_VERSION = 8;
const PRODUCER = 'veil test/models/make-models.mjs';
const TWIN_SEED = 0x5eed_0008;

const DEFAULT_OUT_DIR = fileURLToPath(new URL('../../public/models/', import.meta.url));

// ---------------------------------------------------------------------------------------
// ONNX graph building
// ---------------------------------------------------------------------------------------

/** @typedef {number | string | number[]} AttributeValue  numbers are INT, arrays are INTS */

/**
 * @param {string} name
 * @param {AttributeValue} value
 * @returns {AttributeProto}
 */
function attribute(name, value) {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) {
    return { name, type: AttributeType.INTS, ints: value };
  }
  if (!Number.isInteger(value)) throw new Error(`attribute ${name}: only integers supported`);
  return { name, type: AttributeType.INT, i: value };
}

/**
 * @param {string} name
 * @param {readonly number[]} dims
 * @returns {ValueInfoProto}
 */
function floatValueInfo(name, dims) {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((dimValue) => ({ dimValue })) },
      },
    },
  };
}

/** Accumulates nodes and initializers; generates unique tensor names. */
class GraphBuilder {
  constructor() {
    /** @type {NodeProto[]} */
    this.nodes = [];
    /** @type {TensorProto[]} */
    this.initializers = [];
    this.counter = 0;
  }

  /** @param {string} hint */
  fresh(hint) {
    this.counter += 1;
    return `${hint}_${this.counter}`;
  }

  /**
   * Adds a float32 initializer.
   * @param {string} hint
   * @param {readonly number[]} dims
   * @param {ArrayLike<number>} values
   * @returns {string} tensor name
   */
  floats(hint, dims, values) {
    return this.#initializer(hint, dims, onnx.TensorProto.DataType.FLOAT, Float32Array.from(values));
  }

  /**
   * Adds an int64 initializer (shapes, split sizes, pads).
   * @param {string} hint
   * @param {readonly number[]} values  1-D
   * @returns {string} tensor name
   */
  int64s(hint, values) {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.#initializer(hint, [values.length], onnx.TensorProto.DataType.INT64, data);
  }

  /**
   * @param {string} hint
   * @param {readonly number[]} dims
   * @param {number} dataType
   * @param {Float32Array | BigInt64Array} data
   */
  #initializer(hint, dims, dataType, data) {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new Error(`${hint}: ${data.length} values for dims ${dims}`);
    const name = this.fresh(hint);
    // raw_data is little-endian by spec; typed arrays are little-endian on every platform Node runs on.
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims: [...dims], dataType, rawData });
    return name;
  }

  /**
   * Adds a node with one output.
   * @param {string} opType
   * @param {string[]} inputs  '' marks an omitted optional input
   * @param {Record<string, AttributeValue>} [attributes]
   * @param {string} [output]  output name; generated when omitted
   * @returns {string} output name
   */
  op(opType, inputs, attributes = {}, output) {
    return this.opMulti(opType, inputs, 1, attributes, output ? [output] : undefined)[0];
  }

  /**
   * Adds a node with several outputs.
   * @param {string} opType
   * @param {string[]} inputs
   * @param {number} outputCount
   * @param {Record<string, AttributeValue>} [attributes]
   * @param {string[]} [outputs]
   * @returns {string[]} output names
   */
  opMulti(opType, inputs, outputCount, attributes = {}, outputs) {
    const names = outputs ?? Array.from({ length: outputCount }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({
      name: names[0],
      opType,
      input: inputs,
      output: [...names], // a copy: callers may extend the returned array (C2f does)
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return names;
  }

  /**
   * Serialises the graph as a complete model.
   * @param {string} graphName
   * @param {{ name: string, dims: number[] }[]} inputs
   * @param {{ name: string, dims: number[] }[]} outputs
   * @param {string} docString
   * @returns {Uint8Array}
   */
  toModelBytes(graphName, inputs, outputs, docString) {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: PRODUCER,
      producerVersion: '1',
      docString,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: inputs.map((v) => floatValueInfo(v.name, v.dims)),
        output: outputs.map((v) => floatValueInfo(v.name, v.dims)),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

// ---------------------------------------------------------------------------------------
// Semantic fixture: colour patches -> boxes
// ---------------------------------------------------------------------------------------

/**
 * Matrix M [4, 4*SHADOWS.length] such that corners [x0, y0, x1, y1] @ M gives, per shadow,
 * [cx, cy, w, h]. Linear because every shadow is a linear function of the corners.
 * @returns {number[]} row-major
 */
function cornersToShadowBoxesMatrix() {
  const cols = 4 * SHADOWS.length;
  const m = new Array(4 * cols).fill(0);
  const set = (/** @type {number} */ row, /** @type {number} */ col, /** @type {number} */ v) => {
    m[row * cols + col] = v;
  };
  const [X0, Y0, X1, Y1] = [0, 1, 2, 3];
  SHADOWS.forEach(({ sizeFactor, shiftX }, j) => {
    const c = 4 * j;
    // cx = (x0 + x1)/2 + shiftX * (x1 - x0)
    set(X0, c, 0.5 - shiftX);
    set(X1, c, 0.5 + shiftX);
    // cy = (y0 + y1)/2
    set(Y0, c + 1, 0.5);
    set(Y1, c + 1, 0.5);
    // w = sizeFactor * (x1 - x0), h = sizeFactor * (y1 - y0)
    set(X0, c + 2, -sizeFactor);
    set(X1, c + 2, sizeFactor);
    set(Y0, c + 3, -sizeFactor);
    set(Y1, c + 3, sizeFactor);
  });
  return m;
}

/**
 * Per-entry mask [K, 1, S, S]: 1 where all channels are strictly within tolerance.
 * @param {GraphBuilder} g
 * @param {string} images  [1, 3, S, S]
 */
function colourMasks(g, images) {
  const k = FIXTURE_COLORS.length;
  const palette = g.floats('palette', [k, 3, 1, 1], FIXTURE_COLORS.flatMap((e) => e.rgb.map((c) => c / 255)));
  // Broadcast [1,3,S,S] - [K,3,1,1] -> [K,3,S,S]; the worst channel decides membership.
  const distance = g.op('Abs', [g.op('Sub', [images, palette])]);
  const worst = g.op('ReduceMax', [distance], { axes: [1], keepdims: 1 });
  const inside = g.op('Less', [worst, g.floats('tolerance', [], [COLOR_TOLERANCE])]);
  return g.op('Cast', [inside], { to: onnx.TensorProto.DataType.FLOAT });
}

/**
 * Extent of each mask along one axis, as pixel edges lo = min index, hi = max index + 1,
 * computed with ReduceMax over the mask profile times coordinate ramps (no loops).
 * An empty mask yields lo = S, hi = 0 (the caller zeroes those columns).
 * @param {GraphBuilder} g
 * @param {string} mask  [K, 1, S, S]
 * @param {number} size  S
 * @param {'x' | 'y'} axis
 * @returns {{ lo: string, hi: string, present: string }}  each [K, 1, 1, 1]
 */
function maskExtent(g, mask, size, axis) {
  // x runs along tensor axis 3 (width), y along axis 2 (height).
  const [collapse, along] = axis === 'x' ? [2, 3] : [3, 2];
  const rampDims = axis === 'x' ? [1, 1, 1, size] : [1, 1, size, 1];
  const profile = g.op('ReduceMax', [mask], { axes: [collapse], keepdims: 1 });
  const upRamp = g.floats(`${axis}_plus_1`, rampDims, Array.from({ length: size }, (_, i) => i + 1));
  const downRamp = g.floats(`s_minus_${axis}`, rampDims, Array.from({ length: size }, (_, i) => size - i));
  const hi = g.op('ReduceMax', [g.op('Mul', [profile, upRamp])], { axes: [along], keepdims: 1 });
  const fromEnd = g.op('ReduceMax', [g.op('Mul', [profile, downRamp])], { axes: [along], keepdims: 1 });
  const lo = g.op('Sub', [g.floats('size', [], [size]), fromEnd]);
  const present = g.op('ReduceMax', [profile], { axes: [along], keepdims: 1 });
  return { lo, hi, present };
}

/**
 * Builds `veil-fixture-S.onnx`; see fixture-spec.mjs for the semantics.
 * @param {number} size  S
 * @returns {Uint8Array}
 */
export function buildFixtureModel(size) {
  const anchors = anchorsFor(size);
  const k = FIXTURE_COLORS.length;
  const shadows = SHADOWS.length;
  const usedColumns = k * shadows;
  const g = new GraphBuilder();

  const mask = colourMasks(g, INPUT_NAME);
  const x = maskExtent(g, mask, size, 'x');
  const y = maskExtent(g, mask, size, 'y');

  const present = g.op('Reshape', [x.present, g.int64s('shape', [k, 1])]); // [K,1], 0 or 1
  const corners = g.op('Reshape', [
    g.op('Concat', [x.lo, y.lo, x.hi, y.hi], { axis: 1 }),
    g.int64s('shape', [k, 4]),
  ]);

  // Boxes [K, shadows, 4]; multiplied by `present` so an absent colour's columns are all zero.
  const boxMatrix = g.floats('corners_to_boxes', [4, 4 * shadows], cornersToShadowBoxesMatrix());
  const boxes = g.op('Reshape', [
    g.op('Mul', [g.op('MatMul', [corners, boxMatrix]), present]),
    g.int64s('shape', [k, shadows, 4]),
  ]);

  // Scores [K, shadows, 18]: one-hot(classIndex) * score * present * shadow.scoreFactor.
  const oneHotScores = FIXTURE_COLORS.flatMap((e) =>
    Array.from({ length: NUM_CLASSES }, (_, c) => (c === e.classIndex ? e.score : 0)),
  );
  const entryScores = g.op('Mul', [g.floats('class_scores', [k, NUM_CLASSES], oneHotScores), present]);
  const scores = g.op('Mul', [
    g.op('Reshape', [entryScores, g.int64s('shape', [k, 1, NUM_CLASSES])]),
    g.floats('shadow_score_factors', [1, shadows, 1], SHADOWS.map((s) => s.scoreFactor)),
  ]);

  // [K, shadows, 22] -> [1, K*shadows, 22] -> [1, 22, K*shadows] -> zero-pad to [1, 22, A].
  const columns = g.op('Reshape', [
    g.op('Concat', [boxes, scores], { axis: 2 }),
    g.int64s('shape', [1, usedColumns, OUTPUT_ROWS]),
  ]);
  const rows = g.op('Transpose', [columns], { perm: [0, 2, 1] });
  g.op('Pad', [rows, g.int64s('pads', [0, 0, 0, 0, 0, anchors - usedColumns])], { mode: 'constant' }, OUTPUT_NAME);

  return g.toModelBytes(
    `veil_fixture_${size}`,
    [{ name: INPUT_NAME, dims: [1, 3, size, size] }],
    [{ name: OUTPUT_NAME, dims: [1, OUTPUT_ROWS, anchors] }],
    'Veil semantic fixture: flat colour patches become NudeNet detections (test/models/fixture-spec.mjs).',
  );
}

// ---------------------------------------------------------------------------------------
// Performance twin: YOLOv8n with seeded random weights
// ---------------------------------------------------------------------------------------

/**
 * mulberry32: tiny seeded PRNG, uniform in [0, 1). Deterministic across platforms.
 * @param {number} seed
 * @returns {() => number}
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ultralytics yolov8.yaml scale "n": [depth, width, max_channels]. */
const YOLOV8N_SCALE = { depth: 0.33, width: 0.25, maxChannels: 1024 };

/**
 * yolov8.yaml backbone + head (without Detect), as [from, repeats, module, args].
 * @type {readonly [number | number[], number, 'Conv' | 'C2f' | 'SPPF' | 'Upsample' | 'Concat', (number | boolean)[]][]}
 */
const YOLOV8_LAYERS = [
  [-1, 1, 'Conv', [64, 3, 2]], // 0 P1/2
  [-1, 1, 'Conv', [128, 3, 2]], // 1 P2/4
  [-1, 3, 'C2f', [128, true]], // 2
  [-1, 1, 'Conv', [256, 3, 2]], // 3 P3/8
  [-1, 6, 'C2f', [256, true]], // 4
  [-1, 1, 'Conv', [512, 3, 2]], // 5 P4/16
  [-1, 6, 'C2f', [512, true]], // 6
  [-1, 1, 'Conv', [1024, 3, 2]], // 7 P5/32
  [-1, 3, 'C2f', [1024, true]], // 8
  [-1, 1, 'SPPF', [1024, 5]], // 9
  [-1, 1, 'Upsample', []], // 10
  [[-1, 6], 1, 'Concat', [1]], // 11 cat backbone P4
  [-1, 3, 'C2f', [512]], // 12
  [-1, 1, 'Upsample', []], // 13
  [[-1, 4], 1, 'Concat', [1]], // 14 cat backbone P3
  [-1, 3, 'C2f', [256]], // 15 (P3/8-small)
  [-1, 1, 'Conv', [256, 3, 2]], // 16
  [[-1, 12], 1, 'Concat', [1]], // 17 cat head P4
  [-1, 3, 'C2f', [512]], // 18 (P4/16-medium)
  [-1, 1, 'Conv', [512, 3, 2]], // 19
  [[-1, 9], 1, 'Concat', [1]], // 20 cat head P5
  [-1, 3, 'C2f', [1024]], // 21 (P5/32-large)
];
const DETECT_FROM = [15, 18, 21];
const STRIDES = [8, 16, 32];
const REG_MAX = 16;

/** @param {number} x */
const makeDivisible8 = (x) => Math.ceil(x / 8) * 8;

/**
 * Emits layers with random weights. Weights are uniform with variance gain^2 / fan_in.
 * The default gain 1.5 keeps SiLU activations at about 0.1..1 RMS through the whole net on
 * random input (measured; class scores stay below 0.03 on black, white, random, checker and
 * gradient images): a gain of 1.6 already lets the residual stacks blow activations up into
 * the hundreds, and 1.0 lets them collapse towards the biases.
 * Bounded, non-tiny activations matter because overflow would give NaN and denormals
 * would make CPU/WASM kernels slower than with real weights.
 */
class TwinLayers {
  /** @param {GraphBuilder} g @param {() => number} random */
  constructor(g, random) {
    this.g = g;
    this.random = random;
    this.parameterCount = 0;
  }

  /**
   * @param {string} hint @param {number[]} dims @param {number} halfRange
   * @returns {string}
   */
  uniform(hint, dims, halfRange) {
    const count = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i += 1) values[i] = (this.random() * 2 - 1) * halfRange;
    this.parameterCount += count;
    return this.g.floats(hint, dims, values);
  }

  /**
   * Plain Conv2d with bias (a Conv+BatchNorm pair after folding BN into the bias).
   * @param {string} x @param {number} c1 @param {number} c2 @param {number} k @param {number} s
   * @param {{ gain?: number, bias?: number }} [init]  gain: weight scale (see class comment);
   *   bias: a constant bias instead of a random one
   */
  conv2d(x, c1, c2, k, s, { gain = 1.5, bias } = {}) {
    const fanIn = c1 * k * k;
    const weight = this.uniform('w', [c2, c1, k, k], gain * Math.sqrt(3 / fanIn));
    let biasName;
    if (bias === undefined) {
      biasName = this.uniform('b', [c2], 0.1);
    } else {
      biasName = this.g.floats('b', [c2], new Array(c2).fill(bias));
      this.parameterCount += c2;
    }
    const p = Math.floor(k / 2);
    return this.g.op('Conv', [x, weight, biasName], {
      kernel_shape: [k, k],
      strides: [s, s],
      pads: [p, p, p, p],
    });
  }

  /**
   * Ultralytics Conv: Conv2d + BN (folded) + SiLU, SiLU exported as x * Sigmoid(x).
   * @param {string} x
   * @param {number} c1
   * @param {number} c2
   * @param {number} k
   * @param {number} s
   */
  conv(x, c1, c2, k = 1, s = 1) {
    const y = this.conv2d(x, c1, c2, k, s);
    return this.g.op('Mul', [y, this.g.op('Sigmoid', [y])]);
  }

  /**
   * Bottleneck(c, c, shortcut, k=(3,3), e=1.0).
   * @param {string} x
   * @param {number} c
   * @param {boolean} shortcut
   */
  bottleneck(x, c, shortcut) {
    const y = this.conv(this.conv(x, c, c, 3), c, c, 3);
    return shortcut ? this.g.op('Add', [x, y]) : y;
  }

  /**
   * C2f(c1, c2, n, shortcut, e=0.5): cv1 -> split in two -> n bottlenecks -> concat all -> cv2.
   * @param {string} x
   * @param {number} c1
   * @param {number} c2
   * @param {number} n
   * @param {boolean} shortcut
   */
  c2f(x, c1, c2, n, shortcut) {
    const c = Math.floor(c2 * 0.5);
    const parts = this.g.opMulti('Split', [this.conv(x, c1, 2 * c), this.g.int64s('split', [c, c])], 2, { axis: 1 });
    for (let i = 0; i < n; i += 1) parts.push(this.bottleneck(parts[parts.length - 1], c, shortcut));
    return this.conv(this.g.op('Concat', parts, { axis: 1 }), (2 + n) * c, c2);
  }

  /**
   * SPPF(c1, c2, k=5): cv1 -> three chained MaxPool k5 s1 -> concat -> cv2.
   * @param {string} x
   * @param {number} c1
   * @param {number} c2
   * @param {number} k
   */
  sppf(x, c1, c2, k) {
    const hidden = Math.floor(c1 / 2);
    const pyramid = [this.conv(x, c1, hidden)];
    const p = Math.floor(k / 2);
    for (let i = 0; i < 3; i += 1) {
      const previous = pyramid[pyramid.length - 1];
      pyramid.push(this.g.op('MaxPool', [previous], { kernel_shape: [k, k], strides: [1, 1], pads: [p, p, p, p] }));
    }
    return this.conv(this.g.op('Concat', pyramid, { axis: 1 }), hidden * 4, c2);
  }

  /**
   * nn.Upsample(scale_factor=2, mode='nearest') as exported by torch.
   * @param {string} x
   */
  upsample(x) {
    const scales = this.g.floats('scales', [4], [1, 1, 2, 2]);
    return this.g.op('Resize', [x, '', scales], {
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    });
  }
}

/**
 * Runs the yolov8.yaml layer table the way Ultralytics' parse_model does (channel scaling,
 * repeat scaling) and returns every layer's output tensor and channel count.
 * @param {TwinLayers} layers
 * @param {string} input
 */
function yolov8Body(layers, input) {
  const { depth, width, maxChannels } = YOLOV8N_SCALE;
  const scaleChannels = (/** @type {number} */ c) => makeDivisible8(Math.min(c, maxChannels) * width);
  /** @type {string[]} */ const outputs = [];
  /** @type {number[]} */ const channels = [];
  // `from` -1 means the previous layer, which for layer 0 is the input image (index -1).
  const resolve = (/** @type {number} */ f) => (f === -1 ? outputs.length - 1 : f);
  const tensorAt = (/** @type {number} */ i) => (i < 0 ? input : outputs[i]);
  const channelsAt = (/** @type {number} */ i) => (i < 0 ? 3 : channels[i]);

  for (const [from, repeats, module, args] of YOLOV8_LAYERS) {
    const n = repeats > 1 ? Math.max(Math.round(repeats * depth), 1) : repeats;
    const f = Array.isArray(from) ? from.map(resolve) : resolve(from);
    const x = Array.isArray(f) ? '' : tensorAt(f);
    const c1 = Array.isArray(f) ? 0 : channelsAt(f);
    let out;
    let c2;
    switch (module) {
      case 'Conv':
        c2 = scaleChannels(Number(args[0]));
        out = layers.conv(x, c1, c2, Number(args[1]), Number(args[2]));
        break;
      case 'C2f':
        c2 = scaleChannels(Number(args[0]));
        out = layers.c2f(x, c1, c2, n, args[1] === true);
        break;
      case 'SPPF':
        c2 = scaleChannels(Number(args[0]));
        out = layers.sppf(x, c1, c2, Number(args[1]));
        break;
      case 'Upsample':
        c2 = c1;
        out = layers.upsample(x);
        break;
      case 'Concat': {
        const sources = /** @type {number[]} */ (f);
        c2 = sources.reduce((sum, i) => sum + channels[i], 0);
        out = layers.g.op('Concat', sources.map((i) => outputs[i]), { axis: 1 });
        break;
      }
      default:
        throw new Error(`unknown module ${module}`);
    }
    outputs.push(out);
    channels.push(c2);
  }
  return { outputs, channels };
}

/**
 * Anchor points (grid cell centres, in grid units) and per-anchor strides, level by level,
 * in the order Detect flattens them.
 * @param {number} size
 */
function anchorGrid(size) {
  /** @type {number[]} */ const xs = [];
  /** @type {number[]} */ const ys = [];
  /** @type {number[]} */ const strides = [];
  for (const stride of STRIDES) {
    const cells = size / stride;
    for (let row = 0; row < cells; row += 1) {
      for (let col = 0; col < cells; col += 1) {
        xs.push(col + 0.5);
        ys.push(row + 0.5);
        strides.push(stride);
      }
    }
  }
  return { points: [...xs, ...ys], strides };
}

/**
 * Detect head (legacy YOLOv8 form): per level a box branch (Conv3 -> Conv3 -> Conv1 to
 * 4*reg_max) and a class branch (Conv3 -> Conv3 -> Conv1 to nc); then DFL decoding,
 * dist2bbox (xywh) times stride, and Sigmoid on the class logits.
 * @param {TwinLayers} layers
 * @param {string[]} features  P3, P4, P5
 * @param {number[]} channels
 * @param {number} size
 * @param {number} nc
 * @returns {string} output tensor name
 */
function detectHead(layers, features, channels, size, nc) {
  const { g } = layers;
  const anchors = anchorsFor(size);
  const boxChannels = Math.max(16, Math.floor(channels[0] / 4), REG_MAX * 4);
  const classChannels = Math.max(channels[0], Math.min(nc, 100));

  const perLevel = features.map((x, i) => {
    const c = channels[i];
    const box = layers.conv2d(
      layers.conv(layers.conv(x, c, boxChannels, 3), boxChannels, boxChannels, 3),
      boxChannels, REG_MAX * 4, 1, 1, { gain: 0.3, bias: 1 }, // Ultralytics initialises box bias to 1
    );
    // Bias -8 with small weights keeps every sigmoid score far below NudeNet's 0.2 threshold.
    const cls = layers.conv2d(
      layers.conv(layers.conv(x, c, classChannels, 3), classChannels, classChannels, 3),
      classChannels, nc, 1, 1, { gain: 0.1, bias: -8 },
    );
    const both = g.op('Concat', [box, cls], { axis: 1 });
    return g.op('Reshape', [both, g.int64s('shape', [1, REG_MAX * 4 + nc, -1])]);
  });
  const all = g.op('Concat', perLevel, { axis: 2 }); // [1, 64+nc, A]
  const [boxLogits, classLogits] = g.opMulti('Split', [all, g.int64s('split', [REG_MAX * 4, nc])], 2, { axis: 1 });

  // DFL: softmax over the 16 bins of each side, expectation via a fixed 1x1 conv (weights 0..15).
  const bins = g.op('Transpose', [g.op('Reshape', [boxLogits, g.int64s('shape', [1, 4, REG_MAX, anchors])])], {
    perm: [0, 2, 1, 3],
  });
  const dflWeight = g.floats('dfl_w', [1, REG_MAX, 1, 1], Array.from({ length: REG_MAX }, (_, i) => i));
  layers.parameterCount += REG_MAX; // counted as a parameter by Ultralytics too
  const expectation = g.op('Conv', [g.op('Softmax', [bins], { axis: 1 }), dflWeight], { kernel_shape: [1, 1] });
  const distances = g.op('Reshape', [expectation, g.int64s('shape', [1, 4, anchors])]);

  // dist2bbox: left-top / right-bottom distances around the anchor point -> cx, cy, w, h.
  const { points, strides } = anchorGrid(size);
  const anchorPoints = g.floats('anchor_points', [1, 2, anchors], points);
  const [lt, rb] = g.opMulti('Split', [distances, g.int64s('split', [2, 2])], 2, { axis: 1 });
  const topLeft = g.op('Sub', [anchorPoints, lt]);
  const bottomRight = g.op('Add', [anchorPoints, rb]);
  const centre = g.op('Div', [g.op('Add', [topLeft, bottomRight]), g.floats('two', [], [2])]);
  const wh = g.op('Sub', [bottomRight, topLeft]);
  const boxes = g.op('Mul', [g.op('Concat', [centre, wh], { axis: 1 }), g.floats('strides', [1, anchors], strides)]);

  return g.op('Concat', [boxes, g.op('Sigmoid', [classLogits])], { axis: 1 }, OUTPUT_NAME);
}

/**
 * Builds `yolov8n-twin-S.onnx`: YOLOv8n's exact layer shapes and ops with seeded weights.
 * @param {number} [size]
 * @returns {{ bytes: Uint8Array, parameterCount: number }}
 */
export function buildTwinModel(size = 320) {
  const g = new GraphBuilder();
  const layers = new TwinLayers(g, mulberry32(TWIN_SEED));
  const { outputs, channels } = yolov8Body(layers, INPUT_NAME);
  detectHead(
    layers,
    DETECT_FROM.map((i) => outputs[i]),
    DETECT_FROM.map((i) => channels[i]),
    size,
    NUM_CLASSES,
  );
  const bytes = g.toModelBytes(
    `yolov8n_twin_${size}`,
    [{ name: INPUT_NAME, dims: [1, 3, size, size] }],
    [{ name: OUTPUT_NAME, dims: [1, OUTPUT_ROWS, anchorsFor(size)] }],
    `YOLOv8n (nc=${NUM_CLASSES}) with seeded random weights: real cost, no detections.`,
  );
  return { bytes, parameterCount: layers.parameterCount };
}

// ---------------------------------------------------------------------------------------
// Wrong-contract model for error tests
// ---------------------------------------------------------------------------------------

/**
 * A valid model that does not follow NudeNet's contract: input `pixels` [1,3,64,64],
 * output `out` [1,4] (per-channel max, then a fixed 3x4 MatMul).
 * @returns {Uint8Array}
 */
export function buildBadInputsModel() {
  const g = new GraphBuilder();
  const channelMax = g.op('ReduceMax', ['pixels'], { axes: [2, 3], keepdims: 0 }); // [1,3]
  const weights = g.floats('w', [3, 4], [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
  g.op('MatMul', [channelMax, weights], {}, 'out');
  return g.toModelBytes(
    'bad_inputs',
    [{ name: 'pixels', dims: [1, 3, 64, 64] }],
    [{ name: 'out', dims: [1, 4] }],
    'Deliberately not NudeNet-shaped: for error-path tests.',
  );
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/**
 * @typedef {object} ModelFile
 * @property {string} file  file name
 * @property {string} path  absolute path
 * @property {number} bytes  size
 * @property {string} sha256
 * @property {boolean} written  false when an identical file was already there
 */

/** @param {Uint8Array} bytes */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Writes `bytes` unless the file already holds exactly that content (compared by hash;
 * generation is cheap and deterministic, so no sidecar is needed).
 * @param {string} outDir @param {string} file @param {Uint8Array} bytes
 * @returns {Promise<ModelFile>}
 */
async function writeIfChanged(outDir, file, bytes) {
  const target = path.join(outDir, file);
  const hash = sha256(bytes);
  const existing = await readFile(target).catch(() => null);
  const written = existing === null || sha256(existing) !== hash;
  if (written) await writeFile(target, bytes);
  return { file, path: target, bytes: bytes.byteLength, sha256: hash, written };
}

/**
 * Generates every test model into outDir (created if missing).
 * @param {string} [outDir]
 * @returns {Promise<{ files: ModelFile[], twinParameterCount: number }>}
 */
export async function makeModels(outDir = DEFAULT_OUT_DIR) {
  await mkdir(outDir, { recursive: true });
  const twin = buildTwinModel(320);
  const builds = /** @type {const} */ ([
    ['veil-fixture-320.onnx', buildFixtureModel(320)],
    ['veil-fixture-640.onnx', buildFixtureModel(640)],
    ['yolov8n-twin-320.onnx', twin.bytes],
    ['bad-inputs.onnx', buildBadInputsModel()],
  ]);
  const files = [];
  for (const [file, bytes] of builds) files.push(await writeIfChanged(outDir, file, bytes));
  return { files, twinParameterCount: twin.parameterCount };
}

/** @param {string[]} argv */
function parseOutDir(argv) {
  const i = argv.indexOf('--out');
  if (i === -1) return DEFAULT_OUT_DIR;
  const dir = argv[i + 1];
  if (!dir || dir.startsWith('--')) throw new Error('--out needs a directory');
  return path.resolve(dir);
}

async function main() {
  const started = performance.now();
  const outDir = parseOutDir(process.argv.slice(2));
  const { files, twinParameterCount } = await makeModels(outDir);
  for (const f of files) {
    const size = `${(f.bytes / 1e6).toFixed(2)} MB`.padStart(9);
    console.log(`${f.written ? 'wrote    ' : 'unchanged'} ${size}  ${f.path}`);
  }
  console.log(`yolov8n twin parameters: ${twinParameterCount.toLocaleString('en-US')}`);
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
