/**
 * Streaming a model from a URL into a temporary file, with the failures a user
 * can meet (offline, proxy, HTTP error, stalled or cut-off transfer) each turned
 * into one sentence that says how to get the file by hand.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ModelFetchError } from './error.js';
import { displayPath, formatBytes } from './format.js';
import type { ModelEntry } from './manifest.js';

/** Abort when the server sends nothing (no headers, no bytes) for this long. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** Bytes so far; `total` is null when the server does not say the size (or compresses). */
export interface Progress {
  readonly received: number;
  readonly total: number | null;
}

export interface DownloadOptions {
  readonly onProgress?: ((p: Progress) => void) | undefined;
  readonly log: (line: string) => void;
  readonly timeoutMs: number;
}

/** Temp files being written, so that an interrupted process can remove them. */
const pendingTempFiles = new Set<string>();

/**
 * A temporary name next to the destination: same folder, so the final rename is
 * atomic. It ends in ".onnx" so that the repository's "public/models/*.onnx"
 * ignore rule covers it even if a killed process left it behind.
 */
export function createTempPath(dest: string): string {
  const base = path.basename(dest, '.onnx');
  const tmp = path.join(path.dirname(dest), `.${base}.${process.pid}.${Date.now()}.partial.onnx`);
  pendingTempFiles.add(tmp);
  return tmp;
}

/** The temp file became the real one: it must survive an interrupt from now on. */
export function keepTempPath(tmp: string): void {
  pendingTempFiles.delete(tmp);
}

export async function removeTempPath(tmp: string): Promise<void> {
  pendingTempFiles.delete(tmp);
  await fsp.rm(tmp, { force: true }).catch(() => {});
}

/** Synchronous, for a signal handler that exits right after. */
export function removeAllTempPaths(): void {
  for (const p of pendingTempFiles) {
    try {
      fs.rmSync(p, { force: true });
    } catch {}
  }
  pendingTempFiles.clear();
}

/**
 * Streams `urlString` into `tmp`. Throws a ModelFetchError on a network or HTTP
 * failure, and when fewer bytes arrive than the server announced.
 */
export async function download(
  urlString: string,
  tmp: string,
  entry: ModelEntry,
  dest: string,
  { onProgress, log, timeoutMs }: DownloadOptions,
): Promise<void> {
  let url: URL;
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
  // Every failure ends with the way around it, since the usual cause is a
  // machine without internet access.
  const manual =
    `download it on a machine with internet access and copy it to ${displayPath(dest)}, then run this command again to check it` +
    ' (or install a local copy with --file PATH)';
  const proxy = process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy;
  const proxyNote = proxy ? ' (note: the Node.js version of fetch used here ignores HTTPS_PROXY/HTTP_PROXY)' : '';
  const fail = (reason: string, code: string, tail = manual) =>
    new ModelFetchError(`Could not download ${entry.file} from ${urlString}: ${reason}; ${tail}${proxyNote}.`, code);

  // An idle timeout, re-armed on every chunk: a large model on a slow line may
  // take minutes, but a server that goes silent should not hang the command.
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };

  let received = 0;
  let total: number | null = null;
  arm();
  try {
    let res: Response;
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
    // Content-Length counts compressed bytes when the body is encoded, so it is
    // only a total for progress when the body arrives as is.
    const encoding = res.headers.get('content-encoding');
    const length = Number(res.headers.get('content-length'));
    total = (!encoding || encoding === 'identity') && Number.isFinite(length) && length > 0 ? length : null;
    log(`Downloading ${entry.file} (${total === null ? 'size unknown' : formatBytes(total)}) from ${res.url || urlString}`);

    const out = await fsp.open(tmp, 'w');
    try {
      onProgress?.({ received, total });
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
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

/** What Node's fetch puts in `cause`: a system error, an undici error, or an AggregateError of them. */
interface NetworkCause {
  readonly code?: unknown;
  readonly hostname?: string;
  readonly address?: string;
  readonly port?: number;
}

/** Turns a fetch/network error into the clause after "Could not download X from URL: ". */
function describeNetworkError(err: unknown, url: URL, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) {
    return `the server did not respond for ${Math.round(timeoutMs / 1000) || timeoutMs / 1000} s (timeout)`;
  }
  // fetch wraps the system error that says what happened; Happy Eyeballs wraps one per address tried.
  let cause: unknown = err instanceof Error && err.cause ? err.cause : err;
  if (cause instanceof AggregateError && cause.errors.length) cause = cause.errors[0];
  const c: NetworkCause = typeof cause === 'object' && cause !== null ? cause : {};
  const code = 'code' in c ? String(c.code) : '';
  const where = c.hostname || (c.address && (c.port ? `${c.address}:${c.port}` : c.address)) || url.host;
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

function describeHttpStatus(status: number): string {
  if (status === 404 || status === 410) return 'the file is not at that address';
  if (status === 401 || status === 403) return 'access was denied';
  if (status === 429) return 'the server is rate-limiting requests, so try again later';
  if (status >= 500) return 'the server had an error, so try again later';
  return 'the server refused the request';
}
