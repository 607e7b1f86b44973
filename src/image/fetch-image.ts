/**
 * Fetches an image URL within the limits: a time budget (a server that answers
 * slowly or never), a size cap checked on Content-Length and again while reading
 * (a server may lie or send no length), and clear codes for each way it can fail.
 * The worker reads URLs with it, and so does the remote path on the page.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { InputType } from '../result.js';

export interface Fetched {
  bytes: Uint8Array;
  /** The server's Content-Type: checked against the bytes, never trusted. */
  declared: string | null;
}

const megabytes = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 0)} MB`;

export interface FetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /**
   * What to do when the page may not read the URL at all (fetch itself fails:
   * CORS, network): throw (the worker), or give null so the caller can hand the
   * URL to a service that fetches it itself (the remote path).
   */
  unreadable?: 'throw' | 'null';
}

export async function fetchImage(url: string, type: InputType, options: FetchOptions & { unreadable: 'null' }): Promise<Fetched | null>;
export async function fetchImage(url: string, type: InputType, options: FetchOptions): Promise<Fetched>;
export async function fetchImage(url: string, type: InputType, { maxBytes, timeoutMs, unreadable = 'throw' }: FetchOptions): Promise<Fetched | null> {
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = () =>
    new VeilError(ErrorCodes.FETCH_FAILED, `The image ${url} did not arrive within ${timeoutMs} ms (limits.fetchTimeoutMs): its server is too slow.`);
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', signal });
  } catch (error) {
    if (signal.aborted) throw timedOut();
    if (unreadable === 'null') return null;
    // fetch does not say whether the network, a redirect loop or CORS refused;
    // for an <img> that displayed fine it is CORS.
    throw type === 'image'
      ? new VeilError(
          ErrorCodes.CROSS_ORIGIN,
          `The image ${url} is shown on the page but its server does not allow CORS, so its bytes cannot be read. Serve it with Access-Control-Allow-Origin, or screen it through a gateway by URL.`,
          { cause: error },
        )
      : new VeilError(
          ErrorCodes.FETCH_FAILED,
          `The image ${url} could not be fetched: the network failed, it redirected too many times, or its server does not allow CORS for this page.`,
          { cause: error },
        );
  }
  if (!response.ok) {
    throw new VeilError(ErrorCodes.FETCH_FAILED, `The image ${url} could not be fetched: its server answered HTTP ${response.status}.`);
  }
  const tooLarge = () =>
    new VeilError(ErrorCodes.TOO_LARGE, `The image ${url} is larger than ${megabytes(maxBytes)} (limits.maxBytes).`);
  const length = Number(response.headers.get('content-length'));
  if (length > maxBytes) throw tooLarge();

  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof VeilError) throw error;
    if (signal.aborted) throw timedOut();
    throw new VeilError(ErrorCodes.FETCH_FAILED, `The image ${url} stopped arriving part way.`, { cause: error });
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { bytes, declared: response.headers.get('content-type') };
}
