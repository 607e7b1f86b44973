/**
 * The "classifiers" section of models/manifest.json: image classifiers that the
 * fetch script converts to ONNX from another library's TF.js weights (nsfwjs),
 * rather than downloads. They have their own contract, [1, 3, S, S] in and
 * [1, N] probabilities out, and carry everything a worker needs to feed them:
 * the preprocessing their authors apply and what each class means to Veil.
 *
 * Checked like the NudeNet entries, when the manifest is loaded, because the
 * conversion and the checks of the converted file trust it.
 */
import path from 'node:path';
import { ModelFetchError } from './error.js';
import type { TensorContract } from './tensor-contract.js';

/** What a class counts as; Veil's policy has porn and sexy, everything else is normal. */
export const CATEGORIES = ['porn', 'sexy', 'normal'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface ClassifierSource {
  /** npm package holding the TF.js model, and the model's folder inside it. */
  readonly package: string;
  readonly version: string;
  readonly path: string;
  readonly format: 'tfjs-layers-model' | 'tfjs-graph-model';
  /** Where the authors publish the same model, for people who host it themselves. */
  readonly upstream: string;
}

export interface ClassifierLicence {
  readonly name: string;
  readonly copyright: string;
  readonly url: string;
}

export interface Preprocessing {
  readonly layout: 'NCHW';
  readonly channels: 'RGB';
  /** Each 0–255 channel value is divided by this (as float32) before resizing. */
  readonly divisor: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly resize: {
    readonly method: 'bilinear';
    readonly alignCorners: boolean;
    readonly halfPixelCenters: boolean;
    /** 'stretch': to S x S whatever the aspect ratio, no letterbox, no crop. */
    readonly aspect: 'stretch';
    readonly reference: string;
  };
  readonly notes: string;
}

export interface ClassifierEntry {
  readonly kind: 'classifier';
  readonly file: string;
  readonly architecture: string;
  readonly source: ClassifierSource;
  readonly licence: ClassifierLicence;
  readonly inputSize: number;
  readonly input: TensorContract;
  readonly output: TensorContract;
  readonly approxBytes: number;
  readonly sha256: string | null;
  /** The output's columns, in order. */
  readonly classes: readonly string[];
  readonly categories: Readonly<Record<string, Category>>;
  readonly preprocessing: Preprocessing;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isWhole = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const isNumbers = (v: unknown, n: number) =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const isTensor = (v: unknown): v is TensorContract =>
  isObject(v) && isText(v.name) && v.type === 'float32' && Array.isArray(v.shape) && v.shape.every(isWhole);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const FIELDS: ReadonlyArray<readonly [keyof ClassifierEntry, (v: unknown) => boolean, string]> = [
  ['kind', (v) => v === 'classifier', '"classifier"'],
  ['file', (v) => isText(v) && v.endsWith('.onnx') && path.basename(v) === v, 'a file name ending in .onnx, without folders'],
  ['architecture', isText, 'a name such as MobileNetV2'],
  [
    'source',
    (v) =>
      isObject(v) &&
      [v.package, v.version, v.path, v.upstream].every(isText) &&
      (v.format === 'tfjs-layers-model' || v.format === 'tfjs-graph-model'),
    'a { package, version, path, format, upstream } naming where the TF.js model is',
  ],
  ['licence', (v) => isObject(v) && [v.name, v.copyright, v.url].every(isText), 'a { name, copyright, url } for the weights'],
  ['inputSize', isWhole, 'a positive whole number'],
  ['input', isTensor, 'a { name, type: "float32", shape } with a whole-number shape'],
  ['output', isTensor, 'a { name, type: "float32", shape } with a whole-number shape'],
  ['approxBytes', isWhole, 'a positive whole number of bytes'],
  ['sha256', (v) => v === null || (typeof v === 'string' && /^[0-9a-f]{64}$/i.test(v)), 'null or 64 hexadecimal digits'],
  [
    'classes',
    (v) => Array.isArray(v) && v.length > 1 && v.every(isText) && new Set(v).size === v.length,
    'a list of distinct class names',
  ],
  ['categories', isObject, 'an object giving each class its category'],
  [
    'preprocessing',
    (v) =>
      isObject(v) &&
      v.layout === 'NCHW' &&
      v.channels === 'RGB' &&
      typeof v.divisor === 'number' &&
      v.divisor > 0 &&
      isNumbers(v.mean, 3) &&
      isNumbers(v.std, 3) &&
      (v.std as number[]).every((s) => s > 0) &&
      isObject(v.resize) &&
      v.resize.method === 'bilinear' &&
      typeof v.resize.alignCorners === 'boolean' &&
      typeof v.resize.halfPixelCenters === 'boolean' &&
      v.resize.aspect === 'stretch' &&
      isText(v.resize.reference) &&
      isText(v.notes),
    'a { layout: "NCHW", channels: "RGB", divisor, mean[3], std[3], resize: { method: "bilinear", alignCorners, halfPixelCenters, aspect: "stretch", reference }, notes }',
  ],
];

/** Checks the "classifiers" section; `models` are the NudeNet ids, which a classifier may not reuse. */
export function checkClassifiers(data: unknown, modelIds: readonly string[], shown: string): Record<string, ClassifierEntry> {
  if (!isObject(data)) throw new ModelFetchError(`${shown} should give "classifiers" as an object by id.`, 'bad-manifest');
  for (const [id, entry] of Object.entries(data)) {
    if (modelIds.includes(id)) {
      throw new ModelFetchError(`${shown} lists "${id}" both as a model and as a classifier.`, 'bad-manifest');
    }
    checkClassifier(id, entry, shown);
  }
  return data as Record<string, ClassifierEntry>;
}

function checkClassifier(id: string, entry: unknown, shown: string): asserts entry is ClassifierEntry {
  const refuse = (why: string) => new ModelFetchError(`${shown} ${why}.`, 'bad-manifest');
  if (!isObject(entry)) throw refuse(`gives the classifier "${id}" no description`);
  for (const [field, ok, what] of FIELDS) {
    if (!ok(entry[field])) throw refuse(`has no usable "${field}" for "${id}" (it should be ${what})`);
  }
  const e = entry as unknown as ClassifierEntry;
  const s = e.inputSize;
  if (!same(e.input.shape, [1, 3, s, s])) {
    throw refuse(
      `gives the classifier "${id}" the input shape [${e.input.shape.join(',')}], but an inputSize of ${s} means [1,3,${s},${s}]`,
    );
  }
  if (!same(e.output.shape, [1, e.classes.length])) {
    throw refuse(
      `gives the classifier "${id}" the output shape [${e.output.shape.join(',')}] for ${e.classes.length} classes; it should be [1,${e.classes.length}]`,
    );
  }
  // Every class needs a category and nothing else may have one: a missing or
  // misspelt class would silently count as neither porn nor sexy.
  const keys = Object.keys(e.categories);
  const missing = e.classes.find((c) => !keys.includes(c));
  const extra = keys.find((k) => !e.classes.includes(k));
  if (missing || extra) {
    throw refuse(
      missing
        ? `gives the class "${missing}" of "${id}" no category`
        : `gives a category to "${extra}", which is not a class of "${id}"`,
    );
  }
  const wrong = keys.find((k) => !(CATEGORIES as readonly string[]).includes(e.categories[k]!));
  if (wrong) {
    throw refuse(
      `gives the class "${wrong}" of "${id}" the category "${e.categories[wrong]}"; it should be one of ${CATEGORIES.join(', ')}`,
    );
  }
}
