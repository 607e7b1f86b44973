/**
 * Models made from another model of the manifest rather than downloaded
 * ("derived" in models/manifest.json): `320n-fp16` is NudeNet's 320n with its
 * weights stored as float16 (fp16.ts), about half the bytes. The model it is
 * made from is installed first (downloaded, or --file/--url), then converted
 * and checked against the same contract, and renamed into place complete.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createTempPath, keepTempPath, removeTempPath } from './download.js';
import { ModelFetchError } from './error.js';
import type { DerivedEntry } from './derived-manifest.js';
import { displayPath } from './format.js';
import { withFloat16Weights } from './fp16.js';
import type { Manifest, ModelEntry } from './manifest.js';
import { validateModel, type ValidationResult } from './validate.js';

/** The base model's contract under the derived model's file name and size; no pinned sha256. */
export function derivedModelEntry(manifest: Manifest, d: DerivedEntry): ModelEntry {
  return { ...manifest.models[d.from]!, file: d.file, approxBytes: d.approxBytes, sha256: null };
}

export interface DeriveResult extends ValidationResult {
  readonly status: 'made' | 'skipped';
  readonly tensors: number;
}

/** Makes `d.file` in `outDir` from the installed base model at `basePath`. */
export async function deriveModel(
  manifest: Manifest,
  d: DerivedEntry,
  basePath: string,
  outDir: string,
  force: boolean,
): Promise<DeriveResult> {
  const entry = derivedModelEntry(manifest, d);
  const dest = path.resolve(outDir, d.file);
  // Made again whenever the base is newer: a derived file never outlives its source.
  if (!force && fs.existsSync(dest) && fs.statSync(dest).mtimeMs >= fs.statSync(basePath).mtimeMs) {
    try {
      return { ...(await validateModel(dest, entry)), status: 'skipped', tensors: 0 };
    } catch (err) {
      if (!(err instanceof ModelFetchError)) throw err;
    }
  }
  const converted = withFloat16Weights(await fsp.readFile(basePath), displayPath(basePath));
  const tmp = createTempPath(dest);
  try {
    await fsp.writeFile(tmp, converted.bytes);
    const v = await validateModel(tmp, entry).catch((err: unknown) => {
      if (!(err instanceof ModelFetchError)) throw err;
      throw new ModelFetchError(`The float16 copy of ${displayPath(basePath)} failed its check (${err.message.replace(/\.$/, '')}); it was not installed as ${displayPath(dest)}.`, err.code);
    });
    await fsp.rename(tmp, dest);
    keepTempPath(tmp);
    return { ...v, path: dest, status: 'made', tensors: converted.tensors };
  } finally {
    await removeTempPath(tmp);
  }
}
