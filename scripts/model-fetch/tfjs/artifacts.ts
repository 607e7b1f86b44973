/**
 * Reading a TF.js model (model JSON plus weight shards) from wherever it is:
 *
 * - an npm package that bundles it as browserify/UMD scripts, as nsfwjs does
 *   (`model.min.js` exports the model JSON, each `group1-shardNofM.min.js` exports
 *   its shard as one base64 string);
 * - the files TF.js itself saves (`model.json` and binary shards), in a folder, as
 *   a path to model.json, or at a URL.
 *
 * All of them end as the same TfjsArtifacts: the JSON and the shards' bytes
 * concatenated in manifest order, which is exactly what TF.js's own loaders hand
 * to tf.loadLayersModel / tf.loadGraphModel.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createTempPath, download, removeTempPath } from '../download.js';
import { ModelFetchError } from '../error.js';
import { displayPath } from '../format.js';
import type { ModelEntry } from '../manifest.js';

/** One weight as the manifest of a TF.js model lists it. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly min?: number; readonly scale?: number };
}

export interface WeightGroup {
  readonly paths: readonly string[];
  readonly weights: readonly WeightSpec[];
}

/** model.json: `modelTopology` is a Keras model config (layers models) or a GraphDef (graph models). */
export interface TfjsModelJson {
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
  readonly modelTopology: unknown;
  readonly weightsManifest: readonly WeightGroup[];
  readonly userDefinedMetadata?: unknown;
}

export interface TfjsArtifacts {
  readonly json: TfjsModelJson;
  /** Every shard's bytes, group after group, path after path. */
  readonly weightData: Uint8Array;
  /** Where it was read from, for messages. */
  readonly source: string;
}

/**
 * The folder an installed package lives in (its exports map may hide package.json
 * itself): the app's own copy first (the folder the command runs in), then one
 * beside veil-nsfw (this repository's devDependencies).
 */
export function packageRoot(name: string): string {
  let entry: string | undefined;
  for (const from of [path.join(process.cwd(), 'package.json'), import.meta.url]) {
    try {
      entry = createRequire(from).resolve(name);
      break;
    } catch {
      // Not installed there: try the next place.
    }
  }
  if (!entry) {
    throw new ModelFetchError(`The npm package ${name} is not installed; run \`npm install ${name}\` in your app and try again.`, 'missing');
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === name) return dir;
  }
  throw new ModelFetchError(`Could not find the folder of the npm package ${name} (from ${entry}).`, 'missing');
}

/**
 * Whether a weight path stays beside model.json: a plain relative path, as TF.js
 * writes them. Absolute paths (POSIX, Windows drive or UNC), any ".." segment,
 * and URLs with a scheme or host ("http://…", "//host/…", "file:…") would let an
 * untrusted model.json read any file, or make the converter fetch any address.
 */
export function isSafeWeightPath(p: unknown): boolean {
  if (typeof p !== 'string' || p === '' || p.includes('\0')) return false;
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p) || /^[a-z][a-z0-9+.-]*:/i.test(p)) return false;
  return !p.split(/[\\/]/).includes('..');
}

function checkJson(data: unknown, shown: string): TfjsModelJson {
  const j = data as Partial<TfjsModelJson> | null;
  const groupsOk =
    Array.isArray(j?.weightsManifest) && j.weightsManifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights));
  if (typeof j !== 'object' || j === null || typeof j.modelTopology !== 'object' || !groupsOk) {
    throw new ModelFetchError(`${shown} is not a TF.js model (no "modelTopology" and "weightsManifest").`, 'not-tfjs');
  }
  // Checked before any shard is read or fetched; the message names the entry, never what it points at.
  const paths = j.weightsManifest!.flatMap((g) => g.paths);
  const unsafe = paths.findIndex((p) => !isSafeWeightPath(p));
  if (unsafe >= 0) {
    throw new ModelFetchError(
      `${shown} is refused: weight path ${unsafe + 1} of ${paths.length} is absolute, climbs out of the model's folder with "..", or names another origin.`,
      'unsafe-path',
    );
  }
  return j as TfjsModelJson;
}

const concat = (parts: readonly Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/**
 * A UMD script's export, as CommonJS require() gives it. require() rather than
 * reading the text: the scripts are code, and this is how nsfwjs's own Node
 * build loads them. They are dropped from require's cache afterwards, as the
 * shards are megabytes of base64.
 */
function requireUmd(file: string): unknown {
  if (!fs.existsSync(file)) throw new ModelFetchError(`${displayPath(file)} does not exist.`, 'missing');
  const require = createRequire(file);
  try {
    return require(file);
  } catch (err) {
    throw new ModelFetchError(`${displayPath(file)} could not be loaded (${(err as Error).message.split('\n')[0]}).`, 'not-tfjs');
  } finally {
    delete require.cache[require.resolve(file)];
  }
}

/** A folder of UMD scripts: model.min.js and one `<path>.min.js` per shard path. */
function readUmdFolder(dir: string): TfjsArtifacts {
  const modelFile = path.join(dir, 'model.min.js');
  const json = checkJson(requireUmd(modelFile), displayPath(modelFile));
  const shards = json.weightsManifest
    .flatMap((g) => g.paths)
    .map((p) => {
      const file = path.join(dir, `${p}.min.js`);
      const base64 = requireUmd(file);
      if (typeof base64 !== 'string') {
        throw new ModelFetchError(`${displayPath(file)} does not export a base64 weight shard.`, 'not-tfjs');
      }
      return Buffer.from(base64, 'base64');
    });
  return { json, weightData: concat(shards), source: displayPath(dir) };
}

/** model.json and its binary shards, next to it. */
async function readJsonFiles(modelFile: string): Promise<TfjsArtifacts> {
  const shown = displayPath(modelFile);
  let data: unknown;
  try {
    data = JSON.parse(await fsp.readFile(modelFile, 'utf8'));
  } catch (err) {
    throw new ModelFetchError(`${shown} could not be read as JSON (${(err as Error).message.replace(/\.$/, '')}).`, 'not-tfjs');
  }
  const json = checkJson(data, shown);
  const dir = path.dirname(modelFile);
  const shards = await Promise.all(
    json.weightsManifest
      .flatMap((g) => g.paths)
      .map(async (p) => {
        const file = path.join(dir, p);
        if (!fs.existsSync(file)) {
          throw new ModelFetchError(`${shown} needs the weight shard ${displayPath(file)}, which does not exist.`, 'missing');
        }
        return fsp.readFile(file);
      }),
  );
  return { json, weightData: concat(shards), source: shown };
}

/**
 * A local model: a folder holding model.json (TF.js's own files) or model.min.js
 * (an npm package's scripts), or the path of either file.
 */
export async function readTfjsFromPath(p: string): Promise<TfjsArtifacts> {
  const full = path.resolve(p);
  const stat = await fsp.stat(full).catch(() => null);
  if (!stat) throw new ModelFetchError(`${p} does not exist.`, 'missing');
  if (stat.isDirectory()) {
    if (fs.existsSync(path.join(full, 'model.json'))) return readJsonFiles(path.join(full, 'model.json'));
    if (fs.existsSync(path.join(full, 'model.min.js'))) return readUmdFolder(full);
    throw new ModelFetchError(`${p} holds neither a TF.js model.json nor an npm package's model.min.js.`, 'missing');
  }
  if (full.endsWith('.min.js')) return readUmdFolder(path.dirname(full));
  return readJsonFiles(full);
}

/** A model bundled in an installed npm package, `folder` being relative to the package. */
export function readTfjsFromPackage(packageName: string, folder: string): TfjsArtifacts {
  const dir = path.join(packageRoot(packageName), folder);
  if (!fs.existsSync(path.join(dir, 'model.min.js'))) {
    throw new ModelFetchError(
      `The installed ${packageName} has no model in ${folder} (${displayPath(dir)}); check its version against models/manifest.json.`,
      'missing',
    );
  }
  return readUmdFolder(dir);
}

export interface UrlOptions {
  /** The file being made; temporary downloads go next to it and are removed on an interrupt. */
  readonly dest: string;
  readonly log: (line: string) => void;
  readonly timeoutMs: number;
}

/**
 * A hosted TF.js model: `url` is its model.json (or the folder holding it, ending
 * in "/"); the shard paths are resolved against it, as tf.loadLayersModel does.
 */
export async function readTfjsFromUrl(url: string, { dest, log, timeoutMs }: UrlOptions): Promise<TfjsArtifacts> {
  const modelUrl = url.endsWith('/') ? `${url}model.json` : url;
  const fetchBytes = async (from: string, label: string): Promise<Buffer> => {
    // A temp path ending in .onnx, next to the destination: download.ts's
    // interrupt handler removes it, and the public/models ignore rule covers it.
    const tmp = createTempPath(path.join(path.dirname(dest), `${path.basename(dest, '.onnx')}-${label}.onnx`));
    try {
      // download() only reads `file` from the entry, to name what it fetches.
      await download(from, tmp, { file: label } as ModelEntry, dest, { log, timeoutMs });
      return await fsp.readFile(tmp);
    } catch (err) {
      if (!(err instanceof ModelFetchError)) throw err;
      // Its advice is to copy the file to `dest`, which suits an ONNX model, not
      // one shard of a TF.js model: the way round is to convert a local copy.
      const advice =
        'download the TF.js model (model.json and its shards) on a machine with internet access and convert that folder with --file FOLDER';
      throw new ModelFetchError(
        err.message.replace(/download it on a machine .*?\(or install a local copy with --file PATH\)/, advice),
        err.code,
      );
    } finally {
      await removeTempPath(tmp);
    }
  };
  const text = (await fetchBytes(modelUrl, 'model.json')).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ModelFetchError(`${modelUrl} did not answer with a TF.js model.json (it is not JSON).`, 'not-tfjs');
  }
  const json = checkJson(data, modelUrl);
  const shards: Buffer[] = [];
  for (const p of json.weightsManifest.flatMap((g) => g.paths)) {
    // modelUrl is valid here: download() refused it otherwise.
    shards.push(await fetchBytes(new URL(p, modelUrl).href, path.posix.basename(p)));
  }
  return { json, weightData: concat(shards), source: modelUrl };
}
