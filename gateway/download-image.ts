/**
 * Downloads an `image_url` without letting a caller reach this server's network.
 * Each hop: only http(s); the host is resolved here, every address it resolves to
 * must be public (ip-policy.ts), and the connection goes to the vetted address
 * itself (a pinned `lookup`), so a DNS answer that changes between the check and
 * the connection (rebinding) changes nothing. Redirects are followed by hand,
 * each one checked again, at most MAX_REDIRECTS. Size and time are capped; the
 * caller sniffs the bytes.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { ErrorCodes, VeilError } from '../src/errors.js';
import { type Cidr, judgeAddress } from './ip-policy.js';
import type { Resolver } from './resolver.js';

export const MAX_REDIRECTS = 5;

export interface FetchImageOptions {
  maxBytes: number;
  /** Aborts the download when the request's `timeout` runs out. */
  signal: AbortSignal;
  timeoutS: number;
  exempt: Cidr[];
  resolve: Resolver;
}

export interface FetchedImage {
  bytes: Uint8Array;
  /** The Content-Type the server declared; checked against the bytes, not trusted. */
  declaredMime: string | null;
}

const fail = (message: string) => new VeilError(ErrorCodes.FETCH_FAILED, message);
const refuse = (message: string) => new VeilError(ErrorCodes.URL_REFUSED, message);

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw base
      ? fail(`The image URL redirected to "${text.slice(0, 200)}", which is not a valid URL.`)
      : new VeilError(ErrorCodes.BAD_INPUT, `image_url "${text.slice(0, 200)}" is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refuse(`image_url must be http or https; ${url.protocol.replace(':', '')} URLs are refused${base ? ' (after a redirect)' : ''}.`);
  }
  return url;
}

/** The one address this hop may connect to, after checking every address the host has. */
async function vet(url: URL, options: FetchImageOptions): Promise<string> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await options.resolve(host, options.signal);
    } catch (error) {
      // The request's timeout ran out while waiting: fetchImage says so.
      if (options.signal.aborted) throw error;
      throw fail(`The image URL's host ${host} could not be resolved (${(error as Error).message}).`);
    }
    if (addresses.length === 0) throw fail(`The image URL's host ${host} has no address.`);
  }
  for (const address of addresses) {
    const verdict = judgeAddress(address, options.exempt);
    if (!verdict.allowed) {
      const via = address === host ? '' : ` resolves to ${address}, which`;
      throw refuse(`The image URL ${url.href.slice(0, 200)}${via} is ${verdict.reason}; this gateway fetches images from public addresses only.`);
    }
  }
  return addresses[0]!;
}

/** A `lookup` that answers every query with the vetted address, so the socket goes nowhere else. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return ((_hostname: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (opts?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

function request(url: URL, address: string, signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      lookup: pinnedLookup(address),
      agent: false,
      signal,
      headers: { 'user-agent': 'veil-gateway', accept: 'image/*', 'accept-encoding': 'identity' },
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

async function readCapped(response: IncomingMessage, url: URL, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length']);
  const tooLarge = () =>
    new VeilError(ErrorCodes.TOO_LARGE, `The image at ${url.href.slice(0, 200)} is larger than this gateway accepts (${maxBytes} bytes).`);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

export async function fetchImage(text: string, options: FetchImageOptions): Promise<FetchedImage> {
  let url = parseUrl(text);
  try {
    for (let hop = 0; ; hop++) {
      const address = await vet(url, options);
      const response = await request(url, address, options.signal);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.destroy();
        if (hop >= MAX_REDIRECTS) throw fail(`The image URL redirected more than ${MAX_REDIRECTS} times.`);
        url = parseUrl(location, url);
        continue;
      }
      if (status < 200 || status > 299) {
        response.destroy();
        throw fail(`The image URL ${url.href.slice(0, 200)} answered HTTP ${status}.`);
      }
      const bytes = await readCapped(response, url, options.maxBytes);
      return { bytes, declaredMime: response.headers['content-type'] ?? null };
    }
  } catch (error) {
    if (error instanceof VeilError) throw error;
    if (options.signal.aborted) throw fail(`The image URL did not deliver the image within the request's timeout of ${options.timeoutS} s.`);
    throw fail(`The image URL ${url.href.slice(0, 200)} could not be fetched (${(error as Error).message}).`);
  }
}
