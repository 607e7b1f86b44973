/**
 * What `--classifier NAME_OR_PATH` names: a built-in classifier (its description
 * from the model manifest, as the library's worker completes one, and its file
 * `public/models/<name>.onnx` unless `--classifier-model` says otherwise), or a
 * JSON file with a description in the library's `ClassifierOptions` fields plus
 * `model`, the path of its .onnx (relative to the JSON file). Read once at start,
 * with the library's own checks, so a description that cannot work stops the
 * server with one sentence instead of failing requests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeClassifier } from '../src/classifier/built-in.js';
import type { ClassifierDescription } from '../src/classifier/spec.js';
import { isVeilError } from '../src/errors.js';
import { CLASSIFIER_NAMES, type ClassifierOptions } from '../src/options.js';
import { CLOUD_BACKENDS } from './backends.js';

export interface ClassifierSpec {
  description: ClassifierDescription;
  /** Path of its .onnx file. */
  model: string;
}

/** Thrown with a sentence; config.ts turns it into a ConfigError (exit 2). */
class SpecError extends Error {}

/** Names `backend` already means something else by: a classifier named so could never be asked for alone. */
const RESERVED = ['auto', 'nudenet', 'local', ...CLOUD_BACKENDS];

const isBuiltIn = (name: string) => (CLASSIFIER_NAMES as readonly string[]).includes(name);

/** Where a built-in classifier's file is when no path is given: where `npx veil-nsfw models` writes it. */
export const builtInModelPath = (name: string) => `public/models/${name}.onnx`;

function describe(name: string, own: Record<string, unknown> | null, where: string): ClassifierDescription {
  try {
    return describeClassifier(name, own && ({ ...own, name } as ClassifierOptions));
  } catch (error) {
    if (isVeilError(error)) throw new SpecError(`${where} does not describe a usable classifier: ${error.message}`);
    throw error;
  }
}

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SpecError(`--classifier ${path} could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SpecError(`--classifier ${path} is not JSON (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SpecError(`--classifier ${path} must hold a JSON object: { "name", "model", "inputSize", "classes", "categories" }.`);
  }
  return value as Record<string, unknown>;
}

/** The classifier `value` names, its file overridden by `modelPath` when given; throws SpecError with a sentence. */
export function readClassifierSpec(value: string, modelPath: string | null): ClassifierSpec {
  if (isBuiltIn(value)) return { description: describe(value, null, `--classifier ${value}`), model: modelPath ?? builtInModelPath(value) };
  if (!/\.json$/i.test(value) && !existsSync(value)) {
    const hint = /\.onnx$/i.test(value) ? ' (an .onnx file goes in --classifier-model, with a name or a description in --classifier)' : '';
    throw new SpecError(
      `--classifier takes a built-in classifier name (${CLASSIFIER_NAMES.join(', ')}) or the path of a JSON file describing one; got "${value}"${hint}.`,
    );
  }
  const { model, name, ...own } = readJson(value);
  if (typeof name !== 'string') throw new SpecError(`--classifier ${value} must give the classifier's "name".`);
  if (RESERVED.includes(name.trim().toLowerCase()) || name.includes('+')) {
    throw new SpecError(`--classifier ${value}: the name "${name}" is what requests ask for in backend, so it cannot be ${RESERVED.join(', ')} or contain "+".`);
  }
  if (model !== undefined && (typeof model !== 'string' || model.trim() === '')) {
    throw new SpecError(`--classifier ${value}: "model" must be the path of the classifier's .onnx file.`);
  }
  if (model === undefined && !modelPath && !isBuiltIn(name)) {
    throw new SpecError(`--classifier ${value} must give "model", the path of the classifier's .onnx file (relative to the JSON file).`);
  }
  const description = describe(name, own, `--classifier ${value}`);
  // A path in the file is the file's own: relative to where the file is, not to where the server runs.
  const file = modelPath ?? (typeof model === 'string' ? resolve(dirname(value), model) : builtInModelPath(name));
  return { description, model: file };
}

export const isSpecError = (error: unknown): error is Error => error instanceof SpecError;
