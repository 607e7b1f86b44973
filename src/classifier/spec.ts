/**
 * A whole-image classifier, described as the model manifest describes one: its
 * input side, its classes, which category each class is evidence for, and how
 * pixels become its input. Any classifier with such a description runs in Veil
 * without code: nsfwjs's three come built in (models/manifest.json), and a
 * caller can describe their own.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { ClassifierCategory } from '../policy.js';

/** How pixels become the classifier's input: RGB scaled, then normalised per channel. */
export interface ClassifierPreprocessing {
  /** Pixel values are divided by this first; default 255. */
  divisor: number;
  /** Subtracted per channel (R, G, B) after dividing; default 0. */
  mean: [number, number, number];
  /** Divided per channel after the mean; default 1. */
  std: [number, number, number];
}

/** Everything Veil needs to know about a classifier besides its file. */
export interface ClassifierDescription {
  /** Names it in `backend` and `raw.classifier.model`. */
  name: string;
  /** Its square input side S: it takes float32 NCHW [1, 3, S, S] and gives [1, classes]. */
  inputSize: number;
  /** Its output classes, in output order. */
  classes: string[];
  /** Which category each class is evidence for. */
  categories: Record<string, ClassifierCategory>;
  /**
   * The image is stretched to S x S (no letterbox) with TF.js's bilinear resize
   * with aligned corners, as nsfwjs does; only the scaling is configurable.
   */
  preprocessing: ClassifierPreprocessing;
}

export const DEFAULT_PREPROCESSING: ClassifierPreprocessing = { divisor: 255, mean: [0, 0, 0], std: [1, 1, 1] };

const bad = (message: string) => new VeilError(ErrorCodes.BAD_OPTION, message);

const isTriple = (value: unknown, positive: boolean): value is [number, number, number] =>
  Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));

/** A complete description from a caller's (or the manifest's) fields; throws VeilError 4001 saying what is wrong. */
export function checkDescription(fields: Omit<Partial<ClassifierDescription>, 'preprocessing'> & { preprocessing?: Partial<ClassifierPreprocessing> }): ClassifierDescription {
  const { name, inputSize, classes, categories } = fields;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) throw bad('`classifier.name` must be a short name, e.g. "my-classifier".');
  if (!Number.isInteger(inputSize) || inputSize! < 8 || inputSize! > 2048) {
    throw bad(`\`classifier.inputSize\` must be the model's square input side in pixels; got ${String(inputSize)}.`);
  }
  if (!Array.isArray(classes) || classes.length < 2 || classes.some((c) => typeof c !== 'string') || new Set(classes).size !== classes.length) {
    throw bad('`classifier.classes` must list the names of its output classes, in order, each once.');
  }
  if (typeof categories !== 'object' || categories === null) throw bad('`classifier.categories` must map each class to porn, sexy or normal.');
  for (const c of classes) {
    if (!['porn', 'sexy', 'normal'].includes(categories[c]!)) {
      throw bad(`\`classifier.categories\` must map the class "${c}" to porn, sexy or normal; got ${String(categories[c])}.`);
    }
  }
  const preprocessing = { ...DEFAULT_PREPROCESSING, ...fields.preprocessing };
  if (!(preprocessing.divisor > 0) || !isTriple(preprocessing.mean, false) || !isTriple(preprocessing.std, true)) {
    throw bad('`classifier.preprocessing` takes a positive `divisor`, and `mean` and `std` as three numbers each (std above 0).');
  }
  return {
    name,
    inputSize: inputSize!,
    classes: [...classes],
    categories: Object.fromEntries(classes.map((c) => [c, categories[c]!])),
    preprocessing: { divisor: preprocessing.divisor, mean: [...preprocessing.mean], std: [...preprocessing.std] },
  };
}
