#!/usr/bin/env node
// @ts-check
/**
 * Download NudeNet detector weights listed in models/manifest.json and check
 * that they match the input/output contract Veil expects.
 *
 *   node scripts/model-fetch.mjs <id...> [--out DIR] [--force] [--url URL] [--file PATH]
 *   npm run model:fetch -- 320n
 *
 * The weights are third-party files (see "licence" in the manifest): they are
 * downloaded by the user into public/models/ (git-ignored) and never committed.
 *
 * Guarantees:
 * - A download goes to a temporary file in the output folder and is renamed
 *   into place only after it validated, so a failed or interrupted download
 *   never leaves a half-written or invalid model at the final path.
 * - Validation loads the file with onnxruntime-node and compares the input and
 *   output names/shapes (and element types) with the manifest; if the manifest
 *   pins a sha256 it is verified too. Otherwise the sha256 is printed so it
 *   can be pinned.
 * - Every expected failure (offline, HTTP error, wrong file) is reported as one
 *   sentence, without a stack trace; the CLI exits 1. Usage errors exit 2.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SCRIPT_PATH = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SCRIPT_PATH), '..');
export const MANIFEST_PATH = path.join(REPO_ROOT, 'models', 'manifest.json');
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'public', 'models');
/** Abort when the server sends nothing (no headers, no bytes) for this long. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * @typedef {{ name: string, type?: string, shape: number[] }} TensorContract
 * @typedef {{
 *   file: string, url: string, architecture: string, inputSize: number,
 *   input: TensorContract, output: TensorContract, approxBytes: number,
 *   sha256: string | null, labels: string[]
 * }} ModelEntry
 * @typedef {{ licence: string, models: Record<string, ModelEntry> }} Manifest
 * @typedef {{ received: number, total: number | null }} Progress
 * @typedef {{
 *   path: string, bytes: number, sha256: string,
 *   input: { name: string, shape: (number | string)[] },
 *   output: { name: string, shape: (number | string)[] }
 * }} ValidationResult
 * @typedef {ValidationResult & {
 *   id: string, status: 'downloaded' | 'installed' | 'skipped', url: string | null
 * }} FetchResult
 */

/** An expected failure whose message is a complete sentence for the user. */
export class ModelFetchError extends Error {
  /**
   * @param {string} message
   * @param {string} code short machine-readable reason
   */
  constructor(message, code) {
    super(message);
    this.name = 'ModelFetchError';
    this.code = code;
  }
}

/**
 * @param {string} [manifestPath]
 * @returns {Manifest}
 */
export function loadManifest(manifestPath = MANIFEST_PATH) {
  return JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
}

/** @param {number} n */
function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** @param {readonly (number | string)[]} shape */
function formatShape(shape) {
  return `[${shape.join(',')}]`;
}

/** Path as the user would type it from the current directory. @param {string} p */
function displayPath(p) {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** Collapse an onnxruntime message to one readable clause. @param {unknown} err */
function ortReason(err) {
  let msg = err instanceof Error ? err.message : String(err);
  msg = msg.replace(/^Load model from .*? failed:\s*/s, '');
  msg = msg.replace(/^\S*onnxruntime\S*:\d+ .*?\)\s+/s, ''); // drop "file.cc:123 fn(...)" prefix
  return msg.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
}

/**
 * @param {readonly (number | string)[]} found
 * @param {readonly number[]} expected
 * Symbolic (dynamic) dimensions are accepted: they can take the expected value.
 */
function shapeMatches(found, expected) {
  return (
    found.length === expected.length &&
    found.every((d, i) => typeof d !== 'number' || d < 0 || d === expected[i])
  );
}

/**
 * Check a model file against a manifest entry: non-empty, sha256 (when the
 * manifest pins one), loadable by onnxruntime-node, and exactly one input and
 * one output with the expected names, element types and shapes.
 * Throws a ModelFetchError whose message says what was expected and found.
 *
 * @param {string} filePath
 * @param {ModelEntry} entry
 * @returns {Promise<ValidationResult>}
 */
export async function validateModel(filePath, entry) {
  const shown = displayPath(filePath);
  let stat;
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

  const sha256 = await sha256File(filePath);
  if (entry.sha256 && entry.sha256.toLowerCase() !== sha256) {
    throw new ModelFetchError(
      `${shown} has sha256 ${sha256}, but models/manifest.json expects ${entry.sha256.toLowerCase()} for ${entry.file}.`,
      'sha256-mismatch',
    );
  }

  /** @type {typeof import('onnxruntime-node')} */
  let ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new ModelFetchError(
      `Cannot check ${shown} because onnxruntime-node could not be loaded (${ortReason(err)}); run npm install in the Veil repository and try again.`,
      'no-onnxruntime',
    );
  }

  let session;
  try {
    session = await ort.InferenceSession.create(filePath, { logSeverityLevel: 3 });
  } catch (err) {
    const head = await readHead(filePath, 512);
    const looksLikeText = /^\s*</.test(head.toString('latin1'));
    const hint = looksLikeText
      ? 'it starts like an HTML/XML page (an error or login page?), not a model'
      : stat.size < entry.approxBytes / 2
        ? `it is only ${formatBytes(stat.size)} while ${entry.file} should be about ${formatBytes(entry.approxBytes)}, so the download was probably truncated`
        : 'the file is damaged or is not an ONNX model';
    throw new ModelFetchError(
      `${shown} is not a valid ONNX model (onnxruntime could not load it: ${ortReason(err)}); ${hint}.`,
      'not-onnx',
    );
  }

  try {
    const inputs = session.inputMetadata;
    const outputs = session.outputMetadata;
    /** @param {readonly import('onnxruntime-node').InferenceSession.ValueMetadata[]} list */
    const describe = (list) =>
      list.map((m) => (m.isTensor ? `${m.name} ${m.type} ${formatShape(m.shape)}` : `${m.name} (not a tensor)`)).join(', ') ||
      'none';
    /** @param {TensorContract} c */
    const want = (c) => `${c.name}${c.type ? ` ${c.type}` : ''} ${formatShape(c.shape)}`;

    /**
     * @param {'input' | 'output'} kind
     * @param {readonly import('onnxruntime-node').InferenceSession.ValueMetadata[]} list
     * @param {TensorContract} contract
     */
    const check = (kind, list, contract) => {
      const m = list[0];
      const ok =
        list.length === 1 &&
        m.isTensor &&
        m.name === contract.name &&
        (!contract.type || m.type === contract.type) &&
        shapeMatches(m.shape, contract.shape);
      if (!ok) {
        throw new ModelFetchError(
          `${shown} is not the expected ${entry.architecture} model: expected ${kind} ${want(contract)} but found ${describe(list)}.`,
          `${kind}-mismatch`,
        );
      }
      return { name: m.name, shape: m.isTensor ? [...m.shape] : [] };
    };

    const input = check('input', inputs, entry.input);
    const output = check('output', outputs, entry.output);
    return { path: filePath, bytes: stat.size, sha256, input, output };
  } finally {
    await session.release().catch(() => {});
  }
}

/** @param {string} filePath */
async function sha256File(filePath) {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(filePath)) hash.update(chunk);
  return hash.digest('hex');
}

/** @param {string} filePath @param {number} n */
async function readHead(filePath, n) {
  const fh = await fsp.open(filePath, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Temp files currently being written, removed if the process is interrupted. */
const pendingTempFiles = new Set();

/**
 * Temporary name next to the destination (same folder, so rename is atomic).
 * It ends in ".onnx" so that the repository's "public/models/*.onnx" ignore
 * rule covers it even if it were left behind by a killed process.
 * @param {string} dest
 */
function tempPathFor(dest) {
  const base = path.basename(dest, '.onnx');
  return path.join(path.dirname(dest), `.${base}.${process.pid}.${Date.now()}.partial.onnx`);
}

/** @param {string} p */
async function removeQuietly(p) {
  pendingTempFiles.delete(p);
  await fsp.rm(p, { force: true }).catch(() => {});
}

/**
 * Turn a fetch/network error into the clause after "Could not download X from URL: ".
 * @param {unknown} err
 * @param {URL} url
 * @param {boolean} timedOut
 * @param {number} timeoutMs
 */
function describeNetworkError(err, url, timedOut, timeoutMs) {
  if (timedOut) {
    return `the server did not respond for ${Math.round(timeoutMs / 1000) || timeoutMs / 1000} s (timeout)`;
  }
  /** @type {any} */
  let cause = err instanceof Error && err.cause ? err.cause : err;
  if (cause instanceof AggregateError && cause.errors.length) cause = cause.errors[0];
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : '';
  const where =
    (cause && (cause.hostname || (cause.address && (cause.port ? `${cause.address}:${cause.port}` : cause.address)))) ||
    url.host;
  const tag = code ? ` (${code} ${where})` : '';
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'ENETDOWN':
      return `the network is unreachable${tag}`;
    case 'ECONNREFUSED':
      return `the connection was refused${tag}`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return `the connection timed out${tag}`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return `the connection was closed unexpectedly${tag}`;
    default: {
      if (/CERT|SSL|TLS/i.test(code)) return `the secure connection failed${tag}`;
      if (cause instanceof Error && cause.message === 'bad port') {
        return `Node's fetch refuses to connect to port ${url.port} because the Fetch standard blocks that port (bad port)`;
      }
      const msg = (cause instanceof Error ? cause.message : String(cause ?? err)).replace(/\s+/g, ' ').trim();
      return `the request failed (${code ? `${code}: ` : ''}${msg.replace(/\.$/, '')})`;
    }
  }
}

/** @param {number} status */
function describeHttpStatus(status) {
  if (status === 404 || status === 410) return 'the file is not at that address';
  if (status === 401 || status === 403) return 'access was denied';
  if (status === 429) return 'the server is rate-limiting requests, so try again later';
  if (status >= 500) return 'the server had an error, so try again later';
  return 'the server refused the request';
}

/**
 * Install one model: skip when it is already present and valid (unless
 * force), otherwise download it (or copy `file`) to a temp file, validate it,
 * and rename it into `outDir/<entry.file>`.
 *
 * @param {{
 *   id: string,
 *   outDir?: string,
 *   url?: string,
 *   file?: string,
 *   force?: boolean,
 *   onProgress?: (p: Progress) => void,
 *   log?: (line: string) => void,
 *   timeoutMs?: number,
 *   manifest?: Manifest,
 * }} options
 * @returns {Promise<FetchResult>}
 */
export async function fetchModel({
  id,
  outDir = DEFAULT_OUT_DIR,
  url,
  file,
  force = false,
  onProgress,
  log = () => {},
  timeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
  manifest = loadManifest(),
}) {
  const entry = Object.hasOwn(manifest.models, id) ? manifest.models[id] : undefined;
  if (!entry) {
    throw new ModelFetchError(
      `Unknown model id "${id}"; the known ids are ${Object.keys(manifest.models).join(', ')} (see models/manifest.json).`,
      'unknown-id',
    );
  }
  const dest = path.resolve(outDir, entry.file);
  const shownDest = displayPath(dest);

  if (!force && fs.existsSync(dest)) {
    try {
      const v = await validateModel(dest, entry);
      return { ...v, id, status: 'skipped', url: null };
    } catch (err) {
      if (!(err instanceof ModelFetchError)) throw err;
      // A known-bad file in public/models would only make the app fail later.
      await fsp.rm(dest, { force: true });
      log(`${err.message.replace(/\.$/, '')}; it was deleted and will be replaced.`);
    }
  }

  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  pendingTempFiles.add(tmp);
  try {
    /** @type {string | null} */
    let source = null;
    if (file) {
      const src = path.resolve(file);
      if (!fs.existsSync(src)) {
        throw new ModelFetchError(`The file ${file} given with --file does not exist.`, 'missing');
      }
      await fsp.copyFile(src, tmp);
    } else {
      source = url ?? entry.url;
      await download(source, tmp, entry, dest, { onProgress, log, timeoutMs });
    }

    const v = await validateModel(tmp, entry).catch((err) => {
      if (err instanceof ModelFetchError) {
        // Re-word "<tmp path> is ..." as the file the user asked for.
        const what = file ? `The file ${file}` : `The file downloaded from ${source}`;
        const msg = err.message.startsWith(displayPath(tmp))
          ? what + err.message.slice(displayPath(tmp).length)
          : err.message;
        throw new ModelFetchError(
          `${msg.replace(/\.$/, '')}; it was not installed as ${shownDest}.`,
          err.code,
        );
      }
      throw err;
    });
    await fsp.rename(tmp, dest);
    pendingTempFiles.delete(tmp);
    return { ...v, path: dest, id, status: file ? 'installed' : 'downloaded', url: source };
  } finally {
    await removeQuietly(tmp);
  }
}

/**
 * Stream `url` into `tmp`. Throws ModelFetchError on network/HTTP failure.
 * @param {string} urlString
 * @param {string} tmp
 * @param {ModelEntry} entry
 * @param {string} dest
 * @param {{ onProgress?: (p: Progress) => void, log: (line: string) => void, timeoutMs: number }} opts
 */
async function download(urlString, tmp, entry, dest, { onProgress, log, timeoutMs }) {
  /** @type {URL} */
  let url;
  try {
    url = new URL(urlString);
  } catch {
    throw new ModelFetchError(`"${urlString}" is not a valid URL; give a full http:// or https:// address.`, 'bad-url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelFetchError(
      `Cannot download from ${urlString}: only http:// and https:// URLs are supported; use --file PATH for a local file.`,
      'bad-url',
    );
  }
  const manual =
    `download it on a machine with internet access and copy it to ${displayPath(dest)}, then run this command again to check it` +
    ' (or install a local copy with --file PATH)';
  const proxy = process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy;
  const proxyNote = proxy ? ' (note: the Node.js version of fetch used here ignores HTTPS_PROXY/HTTP_PROXY)' : '';
  const fail = (/** @type {string} */ reason, /** @type {string} */ code, tail = manual) =>
    new ModelFetchError(`Could not download ${entry.file} from ${urlString}: ${reason}; ${tail}${proxyNote}.`, code);

  const controller = new AbortController();
  let timedOut = false;
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };

  let received = 0;
  /** @type {number | null} */
  let total = null;
  arm();
  try {
    /** @type {Response} */
    let res;
    try {
      res = await fetch(url, { redirect: 'follow', signal: controller.signal, headers: { 'user-agent': 'veil-model-fetch' } });
    } catch (err) {
      throw fail(describeNetworkError(err, url, timedOut, timeoutMs), 'network');
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => {});
      const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      throw fail(
        `the server answered ${status} (${describeHttpStatus(res.status)})`,
        `http-${res.status}`,
        res.status === 404 || res.status === 410 ? `check the URL, or ${manual}` : manual,
      );
    }
    const encoding = res.headers.get('content-encoding');
    const length = Number(res.headers.get('content-length'));
    total = (!encoding || encoding === 'identity') && Number.isFinite(length) && length > 0 ? length : null;
    log(`Downloading ${entry.file} (${total === null ? 'size unknown' : formatBytes(total)}) from ${res.url || urlString}`);

    const out = await fsp.open(tmp, 'w');
    try {
      onProgress?.({ received, total });
      for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (res.body))) {
        arm();
        await out.write(chunk);
        received += chunk.byteLength;
        onProgress?.({ received, total });
      }
    } finally {
      await out.close();
    }
  } catch (err) {
    if (err instanceof ModelFetchError) throw err;
    const got = total === null ? formatBytes(received) : `${formatBytes(received)} of ${formatBytes(total)}`;
    throw fail(
      `the download was interrupted after ${got} because ${describeNetworkError(err, url, timedOut, timeoutMs)}`,
      'interrupted',
      `try again, or ${manual}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (total !== null && received !== total) {
    throw fail(
      `the download ended after ${formatBytes(received)} of ${formatBytes(total)}`,
      'incomplete',
      `try again, or ${manual}`,
    );
  }
}

/**
 * Progress printer for stderr: carriage-return updates on a TTY, otherwise a
 * line every ~10% (or every 10 MB when the size is unknown).
 * @param {string} label
 * @param {NodeJS.WriteStream} stream
 */
export function createProgressPrinter(label, stream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let lastStep = -1;
  let lastDraw = 0;
  let drawn = false;
  /** @param {Progress} p */
  const text = ({ received, total }) =>
    total
      ? `${label}: ${Math.floor((received / total) * 100)}% (${formatBytes(received)} of ${formatBytes(total)})`
      : `${label}: ${formatBytes(received)}`;
  return {
    /** @param {Progress} p */
    update(p) {
      if (tty) {
        const now = Date.now();
        const done = p.total !== null && p.received >= p.total;
        if (!done && now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r${text(p)}\x1b[K`);
        drawn = true;
        return;
      }
      const step = p.total ? Math.floor((p.received / p.total) * 10) : Math.floor(p.received / (10 * 1024 * 1024));
      if (step > lastStep && (p.received > 0 || p.total === 0)) {
        lastStep = step;
        stream.write(`${text(p)}\n`);
      }
    },
    /** End the carriage-return line so that the next message starts on its own line. */
    finish() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/** @param {Manifest} manifest */
function usage(manifest) {
  const ids = Object.entries(manifest.models)
    .map(
      ([id, e]) =>
        `  ${id.padEnd(6)} NudeNet ${e.architecture}, ${e.inputSize}x${e.inputSize} input, about ${formatBytes(e.approxBytes)}`,
    )
    .join('\n');
  return `Usage: node scripts/model-fetch.mjs <id...> [--out DIR] [--force] [--url URL] [--file PATH]
       npm run model:fetch -- <id...> [options]

Downloads NudeNet detector weights (third-party files, see "licence" in
models/manifest.json) and checks them with onnxruntime-node.

Model ids:
${ids}

Options:
  --out DIR    where to put the model (default: public/models)
  --force      download again even if a valid file is already there
  --url URL    download from this URL instead of the manifest's (mirror)
  --file PATH  install and check a local file instead of downloading
  -h, --help   show this help
`;
}

/**
 * @param {string[]} argv
 * @returns {Promise<number>} exit code
 */
export async function main(argv) {
  const manifest = loadManifest();
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        force: { type: 'boolean', default: false },
        url: { type: 'string' },
        file: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const option = /'(-[^']*)'/.exec(msg)?.[1];
    const text =
      option && /unknown option/i.test(msg)
        ? `Unknown option ${option}`
        : msg.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
    process.stderr.write(`${text}; run with --help for usage.\n`);
    return 2;
  }
  const { values, positionals: ids } = parsed;
  if (values.help) {
    process.stdout.write(usage(manifest));
    return 0;
  }
  if (ids.length === 0) {
    process.stderr.write(usage(manifest));
    return 2;
  }
  const known = Object.keys(manifest.models);
  const unknown = ids.filter((id) => !Object.hasOwn(manifest.models, id));
  if (unknown.length) {
    const names = unknown.map((id) => `"${id}"`).join(', ');
    process.stderr.write(
      `Unknown model id ${names}; the known ids are ${known.join(', ')} (run with --help for details).\n`,
    );
    return 2;
  }
  if ((values.url || values.file) && ids.length > 1) {
    process.stderr.write(`--url and --file apply to a single model, but ${ids.length} ids were given (${ids.join(', ')}).\n`);
    return 2;
  }
  if (values.url && values.file) {
    process.stderr.write('Use either --url or --file, not both.\n');
    return 2;
  }

  const outDir = values.out ? path.resolve(values.out) : DEFAULT_OUT_DIR;
  let failed = 0;
  for (const id of ids) {
    const entry = manifest.models[id];
    const progress = createProgressPrinter(entry.file);
    try {
      const r = await fetchModel({
        id,
        outDir,
        url: values.url,
        file: values.file,
        force: values.force,
        manifest,
        onProgress: (p) => progress.update(p),
        log: (line) => {
          progress.finish();
          process.stderr.write(`${line}\n`);
        },
      });
      progress.finish();
      const where = displayPath(r.path);
      const contract = `${r.input.name} ${formatShape(r.input.shape)} -> ${r.output.name} ${formatShape(r.output.shape)}`;
      const pin = entry.sha256
        ? `sha256 ${r.sha256} (matches models/manifest.json)`
        : `sha256 ${r.sha256} (not pinned yet: set "sha256" for ${id} in models/manifest.json to verify future downloads)`;
      const verb =
        r.status === 'skipped'
          ? `${where} is already present and valid; use --force to download it again.`
          : `${r.status === 'downloaded' ? 'Downloaded' : 'Installed'} ${where} (${formatBytes(r.bytes)}).`;
      process.stdout.write(`${verb}\n  ${contract}\n  ${pin}\n`);
    } catch (err) {
      progress.finish();
      failed++;
      if (err instanceof ModelFetchError) {
        process.stderr.write(`${err.message}\n`);
      } else {
        const msg = err instanceof Error ? err.message : String(err);
        process.stderr.write(`Unexpected error while fetching ${entry.file}: ${msg.replace(/\s+/g, ' ').trim()}\n`);
        if (process.env.DEBUG) console.error(err);
      }
    }
  }
  return failed ? 1 : 0;
}

function isEntryPoint() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(SCRIPT_PATH);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    for (const p of pendingTempFiles) {
      try {
        fs.rmSync(p, { force: true });
      } catch {}
    }
    process.stderr.write(`\nInterrupted (${signal}); the download in progress was discarded.\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`Unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      if (process.env.DEBUG) console.error(err);
      process.exitCode = 1;
    },
  );
}
