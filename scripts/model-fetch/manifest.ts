/**
 * models/manifest.json: which NudeNet weights exist, where to get them and what
 * each file must look like. It is checked when loaded, against the library's
 * class list and model contract, because every later check trusts it: a wrong
 * entry would let the script install a model the library then refuses or, worse,
 * reads with its classes shifted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NUDENET_CLASSES } from '../../src/nudenet/classes.js';
import { checkClassifiers, type ClassifierEntry } from './classifier-manifest.js';
import { ModelFetchError } from './error.js';
import { displayPath } from './format.js';
import { libraryContract } from './library-contract.js';
import type { TensorContract } from './tensor-contract.js';

export type { TensorContract };

/** The package's root: two folders up from scripts/model-fetch/ in the repository, and from dist/cli/ in the package. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MANIFEST_PATH = path.join(PACKAGE_ROOT, 'models', 'manifest.json');

export interface ModelEntry {
  readonly file: string;
  readonly url: string;
  readonly architecture: string;
  readonly inputSize: number;
  readonly input: TensorContract;
  readonly output: TensorContract;
  readonly approxBytes: number;
  readonly sha256: string | null;
  readonly labels: readonly string[];
}

export interface Manifest {
  readonly licence: string;
  readonly models: Readonly<Record<string, ModelEntry>>;
  /** Classifiers converted from TF.js weights; see classifier-manifest.ts. */
  readonly classifiers?: Readonly<Record<string, ClassifierEntry>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isWhole = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const isTensor = (v: unknown) =>
  isObject(v) &&
  isText(v.name) &&
  (v.type === undefined || isText(v.type)) &&
  Array.isArray(v.shape) &&
  v.shape.every(isWhole);

/** Each field the script reads, with what it must be, worded for the sentence that refuses it. */
const FIELDS: ReadonlyArray<readonly [keyof ModelEntry, (v: unknown) => boolean, string]> = [
  // No folders: the file is written inside --out. The .onnx ending keeps it, and
  // its temporary copy, under the public/models/*.onnx ignore rule.
  ['file', (v) => isText(v) && v.endsWith('.onnx') && path.basename(v) === v, 'a file name ending in .onnx, without folders'],
  ['url', isText, 'the address to download it from'],
  ['architecture', isText, 'a name such as YOLOv8n'],
  ['inputSize', isWhole, 'a positive whole number'],
  ['input', isTensor, 'a { name, type, shape } with a whole-number shape'],
  ['output', isTensor, 'a { name, type, shape } with a whole-number shape'],
  ['approxBytes', isWhole, 'a positive whole number of bytes'],
  ['sha256', (v) => v === null || (typeof v === 'string' && /^[0-9a-f]{64}$/i.test(v)), 'null or 64 hexadecimal digits'],
  ['labels', (v) => Array.isArray(v) && v.every((l) => typeof l === 'string'), 'a list of class names'],
];

/** Reads and checks the manifest; throws a ModelFetchError naming the first problem. */
export function loadManifest(manifestPath: string = MANIFEST_PATH): Manifest {
  const shown = displayPath(manifestPath);
  let text: string;
  try {
    text = fs.readFileSync(manifestPath, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ModelFetchError(`${shown} could not be read (${reason}); it belongs to the Veil repository.`, 'bad-manifest');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ModelFetchError(`${shown} is not valid JSON (${(err as Error).message.replace(/\.$/, '')}).`, 'bad-manifest');
  }
  return checkManifest(data, shown);
}

/** Checks parsed manifest data; `shown` is how the sentences name the file. */
export function checkManifest(data: unknown, shown = 'models/manifest.json'): Manifest {
  if (!isObject(data) || typeof data.licence !== 'string' || !isObject(data.models)) {
    throw new ModelFetchError(`${shown} should be an object with a "licence" text and "models" by id.`, 'bad-manifest');
  }
  if (Object.keys(data.models).length === 0) {
    throw new ModelFetchError(`${shown} lists no models.`, 'bad-manifest');
  }
  for (const [id, entry] of Object.entries(data.models)) checkEntry(id, entry, shown);
  if (data.classifiers !== undefined) checkClassifiers(data.classifiers, Object.keys(data.models), shown);
  return data as unknown as Manifest;
}

function checkEntry(id: string, entry: unknown, shown: string): asserts entry is ModelEntry {
  if (!isObject(entry)) throw new ModelFetchError(`${shown} gives "${id}" no description of its model.`, 'bad-manifest');
  for (const [field, ok, what] of FIELDS) {
    if (!ok(entry[field])) {
      throw new ModelFetchError(`${shown} has no usable "${field}" for "${id}" (it should be ${what}).`, 'bad-manifest');
    }
  }
  const e = entry as unknown as ModelEntry;
  checkLabels(id, e.labels, shown);

  // The declared shapes go through the same check as a loaded model, so the
  // manifest can only describe files the library will accept.
  const declared = (t: TensorContract) => ({ name: t.name, isTensor: true as const, shape: t.shape });
  const verdict = libraryContract({
    inputNames: [e.input.name],
    inputMetadata: [declared(e.input)],
    outputMetadata: [declared(e.output)],
  });
  if ('refused' in verdict) {
    throw new ModelFetchError(`${shown} describes "${id}" as a model Veil would refuse (${verdict.refused}).`, 'bad-manifest');
  }
  if (verdict.size !== e.inputSize) {
    throw new ModelFetchError(
      `${shown} gives "${id}" an inputSize of ${e.inputSize} but an input shape for ${verdict.size}.`,
      'bad-manifest',
    );
  }
}

/**
 * The labels name the model's output rows, so all of them must be the library's
 * classes in the library's order: a swap anywhere would mislabel detections.
 */
function checkLabels(id: string, labels: readonly string[], shown: string): void {
  const order = "the labels must be NudeNet's classes in the model's output order";
  const i = NUDENET_CLASSES.findIndex((name, k) => labels[k] !== name);
  if (i !== -1 && i < labels.length) {
    throw new ModelFetchError(
      `${shown} has "${labels[i]}" at index ${i} of the labels of "${id}", but Veil's class ${i} is "${NUDENET_CLASSES[i]}" (src/nudenet/classes.ts); ${order}.`,
      'bad-manifest',
    );
  }
  if (labels.length !== NUDENET_CLASSES.length) {
    throw new ModelFetchError(
      `${shown} lists ${labels.length} labels for "${id}", but Veil knows ${NUDENET_CLASSES.length} NudeNet classes (src/nudenet/classes.ts); ${order}.`,
      'bad-manifest',
    );
  }
}
