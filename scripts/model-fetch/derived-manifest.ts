/**
 * The manifest's "derived" section: models made from one of its models rather
 * than downloaded (derive.ts makes them), checked like the rest of the manifest.
 */
import path from 'node:path';
import { ModelFetchError } from './error.js';

export interface DerivedEntry {
  readonly from: string;
  readonly file: string;
  readonly weights: 'float16';
  readonly approxBytes: number;
  readonly description: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the manifest's "derived" section against its models. */
export function checkDerived(data: unknown, models: readonly string[], shown: string): asserts data is Record<string, DerivedEntry> {
  if (!isObject(data)) throw new ModelFetchError(`${shown} has a "derived" section that is not an object by id.`, 'bad-manifest');
  for (const [id, e] of Object.entries(data)) {
    const fail = (what: string) => new ModelFetchError(`${shown} has no usable "${what}" for the derived model "${id}".`, 'bad-manifest');
    if (!isObject(e)) throw fail('description');
    if (typeof e.from !== 'string' || !models.includes(e.from)) throw fail('from (one of the models)');
    if (typeof e.file !== 'string' || !e.file.endsWith('.onnx') || path.basename(e.file) !== e.file) throw fail('file');
    if (e.weights !== 'float16') throw fail('weights ("float16")');
    if (!Number.isInteger(e.approxBytes) || (e.approxBytes as number) <= 0) throw fail('approxBytes');
    if (typeof e.description !== 'string') throw fail('description');
    if (models.includes(id)) throw new ModelFetchError(`${shown} lists "${id}" both as a model and as a derived model.`, 'bad-manifest');
  }
}
