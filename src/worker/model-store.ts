/**
 * Fetches the model once: from Cache Storage when an earlier page load kept it,
 * otherwise from the network with progress, keeping it for next time.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { ModelProgress } from '../options.js';
import type { ResolvedModel } from '../resolve-options.js';

/** Bump when what is stored changes shape, so old entries are not misread. */
export const MODEL_CACHE = 'veil-models-v1';

export interface LoadedModel {
  bytes: Uint8Array;
  /** The URL, or `buffer` for bytes handed in. */
  name: string;
  cached: boolean;
}

type Report = (progress: ModelProgress) => void;

async function openCache(): Promise<Cache | null> {
  // Cache Storage exists only in secure contexts, and a browser may refuse it (private modes).
  try {
    return (await globalThis.caches?.open(MODEL_CACHE)) ?? null;
  } catch {
    return null;
  }
}

async function download(url: string, report: Report): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new VeilError(
      ErrorCodes.MODEL_UNAVAILABLE,
      `The model could not be downloaded from ${url}: the network failed or the server refused the request (CORS). Check the URL is reachable from this page.`,
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new VeilError(
      ErrorCodes.MODEL_UNAVAILABLE,
      `The model could not be downloaded from ${url}: the server answered HTTP ${response.status}. If it is NudeNet's weights, run \`npx veil-nsfw models 320n\` to put them in public/models/.`,
    );
  }
  // A server that sends the model compressed (Content-Encoding: br or gzip) gives
  // the compressed length, while the body reads decoded: the total is then unknown.
  let total = compressedBody(response) ? 0 : Number(response.headers.get('content-length')) || 0;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    report({ model: url, loaded: bytes.length, total: bytes.length, cached: false });
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let lastReported = -1;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    // Cross-origin, Content-Encoding may be hidden from the page: more bytes than announced tells.
    if (loaded > total) total = 0;
    // One report per percent at most: each one is a message to the page.
    const percent = total ? Math.floor((loaded / total) * 100) : Math.floor(loaded / 1e6);
    if (percent !== lastReported) {
      lastReported = percent;
      report({ model: url, loaded, total, cached: false });
    }
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  if (lastReported === -1 || loaded !== total) report({ model: url, loaded, total: loaded, cached: false });
  return bytes;
}

/** `turn`: what the download (not the look-up in Cache Storage) waits for, so that downloads sharing a slow link come one after the other. */
export async function loadModel(source: ResolvedModel, useCache: boolean, report: Report, turn?: Promise<unknown>): Promise<LoadedModel> {
  if ('bytes' in source) {
    report({ model: 'buffer', loaded: source.bytes.length, total: source.bytes.length, cached: false });
    return { bytes: source.bytes, name: 'buffer', cached: false };
  }
  const { url } = source;
  const cache = useCache ? await openCache() : null;
  const hit = await cache?.match(url).catch(() => undefined);
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    report({ model: url, loaded: bytes.length, total: bytes.length, cached: true });
    return { bytes, name: url, cached: true };
  }
  await turn;
  const bytes = await download(url, report);
  if (cache) {
    // Keeping a copy is a convenience: a full quota must not fail the detector.
    await cache
      .put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }))
      .catch(() => undefined);
  }
  return { bytes, name: url, cached: false };
}

/**
 * Downloads begun ahead of the session that needs them, by URL: both models of a
 * detector at once, and, after `preload()`, before `createDetector` was called.
 * Progress is kept (the latest report) until the session's loader takes the
 * download over, so the page hears it from where it stands, never backwards.
 */
const begun = new Map<string, { loaded: Promise<LoadedModel>; listen(report: Report): void }>();

/** Starts loading a model now (its download once `turn` has settled), unless it is bytes already or its load has begun. */
export function beginLoad(source: ResolvedModel, useCache: boolean, turn?: Promise<unknown>): Promise<unknown> {
  if (!('url' in source)) return Promise.resolve();
  const running = begun.get(source.url);
  if (running) return running.loaded;
  let listener: Report | null = null;
  let latest: ModelProgress | null = null;
  const loaded = loadModel(
    source,
    useCache,
    (progress) => {
      latest = progress;
      listener?.(progress);
    },
    turn,
  );
  loaded.catch(() => undefined); // reported to whoever takes it over
  begun.set(source.url, {
    loaded,
    listen(report) {
      listener = report;
      if (latest) report(latest);
    },
  });
  return loaded;
}

/** The model's bytes: from a load begun earlier when there is one (taken over, progress and all), otherwise loaded now. */
export function takeLoad(source: ResolvedModel, useCache: boolean, report: Report): Promise<LoadedModel> {
  const running = 'url' in source ? begun.get(source.url) : undefined;
  if (!running || !('url' in source)) return loadModel(source, useCache, report);
  begun.delete(source.url);
  running.listen(report);
  return running.loaded;
}

/** Forgets a cached model, e.g. after it proved unreadable, so the next load downloads it again. */
export async function forgetModel(url: string): Promise<void> {
  const cache = await openCache();
  await cache?.delete(url).catch(() => undefined);
}

/** True when the body was sent compressed, so Content-Length does not count the bytes read. */
function compressedBody(response: Response): boolean {
  const encoding = response.headers.get('content-encoding');
  return encoding !== null && encoding.trim().toLowerCase() !== 'identity' && encoding.trim() !== '';
}
