/**
 * Is this file the model the manifest describes? Checked by loading it with
 * onnxruntime, as the library will, because a file that merely looks right (the
 * expected name and size) would only fail later, in the app.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { InferenceSession } from 'onnxruntime-node';
import { ModelFetchError } from './error.js';
import { displayPath, formatBytes, formatShape } from './format.js';
import { libraryContract } from './library-contract.js';
import type { ModelEntry, TensorContract } from './manifest.js';

export interface TensorFound {
  readonly name: string;
  readonly shape: (number | string)[];
}

export interface ValidationResult {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly input: TensorFound;
  readonly output: TensorFound;
}

/**
 * Checks a model file against a manifest entry: non-empty, sha256 (when the
 * manifest pins one), loadable by onnxruntime-node, one input and one output
 * with the manifest's names, element types and shapes, and accepted by the
 * library's own contract check. Throws a ModelFetchError whose message says
 * what was expected and what was found.
 */
export async function validateModel(filePath: string, entry: ModelEntry): Promise<ValidationResult> {
  const shown = displayPath(filePath);
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(filePath);
  } catch {
    throw new ModelFetchError(`${shown} does not exist.`, 'missing');
  }
  if (!stat.isFile()) throw new ModelFetchError(`${shown} is not a regular file.`, 'not-a-file');
  if (stat.size === 0) {
    throw new ModelFetchError(
      `${shown} is empty (0 bytes), but ${entry.file} should be about ${formatBytes(entry.approxBytes)}.`,
      'empty',
    );
  }

  // Before onnxruntime: a pinned hash settles the question cheaply and names the real problem.
  const sha256 = await sha256File(filePath);
  checkPinnedSha256(shown, sha256, entry);
  const ort = await loadOnnxruntime(shown);

  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(filePath, { logSeverityLevel: 3 });
  } catch (err) {
    throw new ModelFetchError(
      `${shown} is not a valid ONNX model (onnxruntime could not load it: ${ortReason(err)}); ${await whyNotOnnx(filePath, stat.size, entry)}.`,
      'not-onnx',
    );
  }

  try {
    // The manifest's comparison comes first: it knows the exact names, types and
    // input size, so its sentence says precisely what was expected.
    const matchManifest = (kind: 'input' | 'output', list: readonly InferenceSession.ValueMetadata[], want: TensorContract) => {
      const m = list[0];
      const ok =
        list.length === 1 &&
        m?.isTensor === true &&
        m.name === want.name &&
        (!want.type || m.type === want.type) &&
        shapeMatches(m.shape, want.shape);
      if (ok) return { name: m.name, shape: [...m.shape] };
      throw new ModelFetchError(
        `${shown} is not the expected ${entry.architecture} model: expected ${kind} ${describeWanted(want)} but found ${describeFound(list)}.`,
        `${kind}-mismatch`,
      );
    };
    const input = matchManifest('input', session.inputMetadata, entry.input);
    const output = matchManifest('output', session.outputMetadata, entry.output);

    // Then the library's check, which is what the browser and the gateway run on
    // load: it is stricter where the manifest's shapes leave room (a symbolic
    // input size matches any number above, but the library needs a fixed one).
    const verdict = libraryContract(session);
    if ('refused' in verdict) {
      throw new ModelFetchError(
        `${shown} matches ${entry.file} in models/manifest.json, but Veil's own model check refuses it (${verdict.refused}).`,
        'contract-mismatch',
      );
    }
    return { path: filePath, bytes: stat.size, sha256, input, output };
  } finally {
    await session.release().catch(() => {});
  }
}

/**
 * Symbolic (string) and unknown (negative) dimensions are accepted: they can
 * take the expected value when the model runs.
 */
function shapeMatches(found: readonly (number | string)[], expected: readonly number[]): boolean {
  return (
    found.length === expected.length &&
    found.every((d, i) => typeof d !== 'number' || d < 0 || d === expected[i])
  );
}

const describeWanted = (c: TensorContract) => `${c.name}${c.type ? ` ${c.type}` : ''} ${formatShape(c.shape)}`;

const describeFound = (list: readonly InferenceSession.ValueMetadata[]) =>
  list.map((m) => (m.isTensor ? `${m.name} ${m.type} ${formatShape(m.shape)}` : `${m.name} (not a tensor)`)).join(', ') ||
  'none';

/** The likeliest reason a file is not ONNX, guessed from what a failed download usually is. */
async function whyNotOnnx(filePath: string, size: number, entry: ModelEntry): Promise<string> {
  const head = await readHead(filePath, 512);
  if (/^\s*</.test(head.toString('latin1'))) return 'it starts like an HTML/XML page (an error or login page?), not a model';
  if (size < entry.approxBytes / 2) {
    return `it is only ${formatBytes(size)} while ${entry.file} should be about ${formatBytes(entry.approxBytes)}, so the download was probably truncated`;
  }
  return 'the file is damaged or is not an ONNX model';
}

/** Refuses a file whose hash is not the one the manifest pins (when it pins one). */
export function checkPinnedSha256(shown: string, sha256: string, entry: { sha256: string | null; file: string }): void {
  if (entry.sha256 && entry.sha256.toLowerCase() !== sha256) {
    throw new ModelFetchError(
      `${shown} has sha256 ${sha256}, but models/manifest.json expects ${entry.sha256.toLowerCase()} for ${entry.file}.`,
      'sha256-mismatch',
    );
  }
}

/** onnxruntime-node, imported late so that a broken native install is one sentence, not a crash at startup. */
export async function loadOnnxruntime(shown: string): Promise<typeof import('onnxruntime-node')> {
  try {
    return await import('onnxruntime-node');
  } catch (err) {
    throw new ModelFetchError(
      `Cannot check ${shown} because onnxruntime-node could not be loaded (${ortReason(err)}); run npm install in the Veil repository and try again.`,
      'no-onnxruntime',
    );
  }
}

/** Collapses an onnxruntime message to one readable clause: its native source locations mean nothing to a user. */
export function ortReason(err: unknown): string {
  let msg = err instanceof Error ? err.message : String(err);
  msg = msg.replace(/^Load model from .*? failed:\s*/s, '');
  msg = msg.replace(/^\S*onnxruntime\S*:\d+ .*?\)\s+/s, ''); // drop "file.cc:123 fn(...)"
  return msg.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
}

async function sha256File(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readHead(filePath: string, n: number): Promise<Buffer> {
  const fh = await fsp.open(filePath, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
