/**
 * Installing a classifier from models/manifest.json's "classifiers" section:
 * its TF.js weights are read (from the installed npm package by default, or a
 * hosted copy with --url / --file), converted to ONNX, checked with
 * onnxruntime-node and renamed into place, like install.ts does for downloads:
 * the file at the final path is only ever a complete, checked model.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ClassifierEntry } from './classifier-manifest.js';
import { createTempPath, DEFAULT_IDLE_TIMEOUT_MS, keepTempPath, removeTempPath } from './download.js';
import { ModelFetchError } from './error.js';
import { displayPath, formatShape } from './format.js';
import { packageRoot, readTfjsFromPackage, readTfjsFromPath, readTfjsFromUrl, type TfjsArtifacts } from './tfjs/artifacts.js';
import { convertTfjsModel, type Conversion } from './tfjs/convert.js';
import { checkPinnedSha256, loadOnnxruntime, type TensorFound, type ValidationResult } from './validate.js';

export interface ClassifierOptions {
  readonly id: string;
  readonly entry: ClassifierEntry;
  readonly outDir: string;
  /** A hosted TF.js model.json (or its folder) instead of the installed package. */
  readonly url?: string | undefined;
  /** A local TF.js model (folder, model.json or model.min.js) instead of the installed package. */
  readonly file?: string | undefined;
  readonly force?: boolean | undefined;
  readonly log?: ((line: string) => void) | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface ClassifierResult extends ValidationResult {
  readonly id: string;
  readonly status: 'converted' | 'skipped';
  /** What was converted, and how long reading and converting took; null when skipped. */
  readonly source: string | null;
  readonly seconds: number | null;
  readonly conversion: Conversion | null;
}

export async function fetchClassifier({
  id,
  entry,
  outDir,
  url,
  file,
  force = false,
  log = () => {},
  timeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
}: ClassifierOptions): Promise<ClassifierResult> {
  const dest = path.resolve(outDir, entry.file);
  const none = { source: null, seconds: null, conversion: null };
  if (!force && fs.existsSync(dest)) {
    try {
      return { ...(await validateClassifier(dest, entry)), id, status: 'skipped', ...none };
    } catch (err) {
      if (!(err instanceof ModelFetchError)) throw err;
      await fsp.rm(dest, { force: true });
      log(`${err.message.replace(/\.$/, '')}; it was deleted and will be converted again.`);
    }
  }
  await fsp.mkdir(path.dirname(dest), { recursive: true });

  const started = performance.now();
  // `origin` names the source in the file itself; unlike a path it does not
  // depend on the current folder, so converting the same package twice gives
  // the same bytes (and sha256).
  const { artifacts, origin } = file
    ? { artifacts: await readTfjsFromPath(file), origin: `the TF.js model ${path.basename(path.resolve(file))}` }
    : url
      ? { artifacts: await readTfjsFromUrl(url, { dest, log, timeoutMs }), origin: url }
      : fromPackage(entry, log);
  const conversion = convertTfjsModel(artifacts, {
    inputName: entry.input.name,
    outputName: entry.output.name,
    inputSize: entry.inputSize,
    docString: docString(entry, origin),
  });
  const seconds = (performance.now() - started) / 1000;

  const tmp = createTempPath(dest);
  try {
    await fsp.writeFile(tmp, conversion.bytes);
    const v = await validateClassifier(tmp, entry).catch((err: unknown) => {
      if (!(err instanceof ModelFetchError)) throw err;
      const msg = err.message.replace(displayPath(tmp), `The model converted from ${artifacts.source}`);
      throw new ModelFetchError(`${msg.replace(/\.$/, '')}; it was not installed as ${displayPath(dest)}.`, err.code);
    });
    await fsp.rename(tmp, dest);
    keepTempPath(tmp);
    return { ...v, path: dest, id, status: 'converted', source: artifacts.source, seconds, conversion };
  } finally {
    await removeTempPath(tmp);
  }
}

function fromPackage(entry: ClassifierEntry, log: (line: string) => void): { artifacts: TfjsArtifacts; origin: string } {
  const { package: name, version, path: folder } = entry.source;
  const installed = JSON.parse(fs.readFileSync(path.join(packageRoot(name), 'package.json'), 'utf8')).version;
  // Another version may bundle other weights: worth saying, not worth refusing.
  if (installed !== version)
    log(`Note: ${name} ${installed} is installed; models/manifest.json describes the model of ${name} ${version}.`);
  return { artifacts: readTfjsFromPackage(name, folder), origin: `${name} ${installed} (${folder})` };
}

/** The weights' origin and licence, inside the ONNX file, since MIT asks for the notice to travel with copies. */
function docString(entry: ClassifierEntry, origin: string): string {
  const { source: s, licence: l } = entry;
  let licence = `${l.name} licence, ${l.copyright} (${l.url})`;
  try {
    licence = fs.readFileSync(path.join(packageRoot(s.package), 'LICENSE'), 'utf8').trim();
  } catch {}
  return `${entry.architecture} image classifier from ${s.package} (${s.upstream}), converted to ONNX by Veil's scripts/model-fetch from ${origin}. Output columns: ${entry.classes.join(', ')}.\n\n${licence}`;
}

/**
 * Is this file the classifier the manifest describes? One input and one output
 * with the manifest's names, float32 and shapes, and an output that is a
 * probability distribution (a mid-grey image must give values in [0, 1] that sum
 * to 1): a model with its softmax missing or its classes cut would pass the
 * shape check alone.
 */
export async function validateClassifier(filePath: string, entry: ClassifierEntry): Promise<ValidationResult> {
  const shown = displayPath(filePath);
  const bytes = await fsp.readFile(filePath).catch(() => {
    throw new ModelFetchError(`${shown} does not exist.`, 'missing');
  });
  if (bytes.length === 0) throw new ModelFetchError(`${shown} is empty (0 bytes).`, 'empty');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  checkPinnedSha256(shown, sha256, entry);
  const ort = await loadOnnxruntime(shown);
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  } catch (err) {
    throw new ModelFetchError(
      `${shown} is not a valid ONNX model (onnxruntime could not load it: ${(err as Error).message.split('\n')[0]}).`,
      'not-onnx',
    );
  }
  try {
    const one = (
      kind: 'input' | 'output',
      list: readonly import('onnxruntime-node').InferenceSession.ValueMetadata[],
    ): TensorFound => {
      const want = entry[kind];
      const m = list[0];
      const found = list.map((v) => (v.isTensor ? `${v.name} ${v.type} ${formatShape(v.shape)}` : v.name)).join(', ') || 'none';
      if (
        list.length !== 1 ||
        !m?.isTensor ||
        m.name !== want.name ||
        m.type !== want.type ||
        formatShape(m.shape) !== formatShape(want.shape)
      ) {
        throw new ModelFetchError(
          `${shown} is not the expected ${entry.architecture} classifier: expected ${kind} ${want.name} ${want.type} ${formatShape(want.shape)} but found ${found}.`,
          `${kind}-mismatch`,
        );
      }
      return { name: m.name, shape: [...m.shape] };
    };
    const input = one('input', session.inputMetadata);
    const output = one('output', session.outputMetadata);
    const grey = new ort.Tensor('float32', new Float32Array(3 * entry.inputSize ** 2).fill(0.5), [...entry.input.shape]);
    const p = [...((await session.run({ [input.name]: grey }))[output.name]!.data as Float32Array)];
    const sum = p.reduce((a, b) => a + b, 0);
    if (p.some((v) => !(v >= 0 && v <= 1)) || Math.abs(sum - 1) > 1e-3) {
      throw new ModelFetchError(
        `${shown} does not output probabilities: a grey image gives [${p.map((v) => v.toPrecision(3)).join(', ')}].`,
        'not-probabilities',
      );
    }
    return { path: filePath, bytes: bytes.length, sha256, input, output };
  } finally {
    await session.release().catch(() => {});
  }
}
