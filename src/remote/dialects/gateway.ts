/**
 * The image-nsfw gateway API: the protocol Veil's own result schema comes
 * from, and the default dialect. POST JSON with `image_b64` (a data URI) or
 * `image_url`, `backend` and `timeout` in seconds; the key in X-Api-Key.
 *
 * Veil's gateway server also offers a hash look-up, as nsfw-categorize does:
 * `POST <url>/hash` with the image's SHA-256 answers a result it already has,
 * at no cost to the key's daily allowance, or 4040 (not seen). Asked first, a
 * repeated image is never uploaded. The image-nsfw gateway API itself has no
 * such endpoint, so by default (`hashLookup: 'auto'`) the look-up is asked only
 * once the endpoint has said it offers one (the X-Hash-Lookup header on any of
 * its answers): every call to a gateway without it stays one request.
 */
import { ErrorCodes, VeilError, type ErrorCode } from '../../errors.js';
import type { AnimationInfo, Categories, Decision, Detection, InputInfo, Label } from '../../result.js';
import type { Dialect, RemoteContext, RemoteImage, RemoteVerdict } from '../dialect.js';
import { expectObject, numberOf, toBase64 } from '../http.js';

export interface GatewayOptions {
  /** Which of the gateway's backends to ask for: auto, nudenet, baidu, tencent or aliyun. Default `auto`. */
  backend?: 'auto' | 'nudenet' | 'baidu' | 'tencent' | 'aliyun';
  /**
   * Ask the gateway's hash look-up before uploading an image: `'auto'` (default)
   * once the gateway has said it offers one, `true` always (a Veil gateway you
   * run), `false` never. Images sent by URL are never looked up.
   */
  hashLookup?: 'auto' | boolean;
}

/** Endpoints (origin and path) and whether they offer the hash look-up, as learned from their answers this page's life. */
const OFFERS = new Map<string, boolean>();
const endpointKey = (endpoint: string) => endpoint.split(/[?#]/)[0]!.replace(/\/+$/, '');

/** The hash look-up's URL: the endpoint's path plus `/hash`, its query (which may carry the key) kept. */
function hashUrl(endpoint: string): string {
  const url = new URL(endpoint);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/hash`;
  return url.toString();
}

const describeUrl = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`; // never the query: it may carry a key
};

/**
 * One exchange with the gateway, failing as http.ts's requestJson does (5021
 * unreachable or too slow, 5022 not JSON, 4015 and 4029 from a bare status),
 * plus whether the answer says the hash look-up is offered: a header, which
 * requestJson does not return.
 */
async function exchange(context: RemoteContext, url: string, init: RequestInit): Promise<{ status: number; body: unknown; offersLookup: boolean }> {
  const failed = (error: unknown, what: string) => {
    const reason = context.signal.reason as unknown;
    // Aborted by the caller or timed out: already worded.
    return reason instanceof VeilError ? reason : new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `${describeUrl(url)} ${what}`, { cause: error });
  };
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, headers: { ...context.headers, ...(init.headers as Record<string, string>) }, signal: context.signal });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw failed(error, `could not be reached (${detail}). Check the gateway URL and that it allows this page's origin (CORS).`);
  }
  try {
    text = await response.text();
  } catch (error) {
    throw failed(error, 'stopped answering mid-response.');
  }
  const offersLookup = response.headers.get('x-hash-lookup') === 'sha256';
  try {
    return { status: response.status, body: JSON.parse(text) as unknown, offersLookup };
  } catch {
    const status = response.status;
    if (status === 401 || status === 403) throw new VeilError(ErrorCodes.BAD_API_KEY, `${describeUrl(url)} refused the API key (HTTP ${status}).`);
    if (status === 429) throw new VeilError(ErrorCodes.RATE_LIMITED, `${describeUrl(url)} is rate-limiting this page (HTTP 429): try again shortly.`);
    if (status >= 500) throw new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `${describeUrl(url)} failed with HTTP ${status}.`);
    throw new VeilError(
      ErrorCodes.REMOTE_BAD_RESPONSE,
      `${describeUrl(url)} answered HTTP ${status} with something that is not JSON: check remote.url points at the service's API.`,
    );
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null; // no Web Crypto outside secure contexts: skip the look-up
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const KNOWN: Record<string, ErrorCode> = {
  '4000': ErrorCodes.BAD_INPUT,
  '4001': ErrorCodes.BAD_OPTION,
  '4002': ErrorCodes.UNSUPPORTED_FORMAT,
  '4003': ErrorCodes.DECODE_FAILED,
  '4004': ErrorCodes.TOO_LARGE,
  '4005': ErrorCodes.FETCH_FAILED,
  '4007': ErrorCodes.URL_REFUSED,
  '4011': ErrorCodes.MISSING_CREDENTIALS,
  '4015': ErrorCodes.BAD_API_KEY,
  '4029': ErrorCodes.RATE_LIMITED,
  '4044': ErrorCodes.NOT_FOUND, // the endpoint was retired, or never existed
  '5020': ErrorCodes.NO_BACKEND,
  '5021': ErrorCodes.REMOTE_UNREACHABLE,
  // Veil's gateway server: busy, or the request's timeout ran out in its queue.
  '5024': ErrorCodes.BUSY,
  '5025': ErrorCodes.TIMED_OUT,
  // The gateway's response-field table also lists these business codes.
  '0001': ErrorCodes.REMOTE_FAILED,
  '0010': ErrorCodes.NO_BACKEND,
  '0510': ErrorCodes.REMOTE_UNREACHABLE,
};

const WHAT_TO_DO: Partial<Record<ErrorCode, string>> = {
  [ErrorCodes.BAD_API_KEY]: 'Check remote.apiKey.',
  [ErrorCodes.MISSING_CREDENTIALS]: 'The gateway has no credentials for that backend: choose another backend.',
  [ErrorCodes.NO_BACKEND]: 'The gateway has no backend configured: ask its operator.',
  [ErrorCodes.RATE_LIMITED]: 'Try again shortly.',
};

/** A VeilError for a gateway error body, keeping the gateway's own code where Veil knows it. */
export function gatewayError(code: unknown, desc: unknown, status: number): VeilError {
  const key = String(code ?? '');
  const mapped = KNOWN[key] ?? (status === 429 ? ErrorCodes.RATE_LIMITED : ErrorCodes.REMOTE_FAILED);
  const said = typeof desc === 'string' && desc ? `: ${desc}` : '';
  const advice = WHAT_TO_DO[mapped] ? ` ${WHAT_TO_DO[mapped]}` : '';
  return new VeilError(mapped, `The gateway answered code ${key || `HTTP ${status}`}${said}.${advice}`);
}

const oneOf = <T extends string>(value: unknown, options: readonly T[]): T | undefined =>
  options.includes(value as T) ? (value as T) : undefined;

/**
 * Asks the hash look-up; the gateway's verdict when it knows this image, null
 * to upload it (not seen, or an answer that is not for this image). A wrong key
 * fails here, before a pointless upload; an endpoint with no look-up is
 * remembered as such.
 */
async function lookUp(context: RemoteContext, key: string, sha256: string, backend: string, headers: Record<string, string>): Promise<RemoteVerdict | null> {
  let answer: Record<string, unknown>;
  let status: number;
  try {
    const reply = await exchange(context, hashUrl(context.endpoint), { method: 'POST', headers, body: JSON.stringify({ sha256, backend }) });
    status = reply.status;
    OFFERS.set(key, reply.offersLookup);
    answer = expectObject(reply.body, 'The gateway');
  } catch (error) {
    // A proxy's HTML 404 and the like: no look-up there. A gateway that cannot be reached fails the call as the upload would.
    if (error instanceof VeilError && error.code === ErrorCodes.REMOTE_BAD_RESPONSE) {
      OFFERS.set(key, false);
      return null;
    }
    throw error;
  }
  const code = String(answer.code);
  if (code === '4015') throw gatewayError(answer.code, answer.desc, status);
  // The answer must be for this very image: anything else is uploaded, never taken as its verdict.
  const input = answer.input as Partial<InputInfo> | undefined;
  if (code !== '200' || input?.sha256 !== sha256) return null;
  const verdict = verdictOf(answer);
  return { ...verdict, notes: ['The gateway knew this image by its SHA-256: answered without uploading it.', ...(verdict.notes ?? [])] };
}

export function gatewayDialect(options: GatewayOptions = {}): Dialect {
  const backend = options.backend ?? 'auto';
  const hashLookup = options.hashLookup ?? 'auto';
  return {
    name: 'gateway',
    async screen(image: RemoteImage, context: RemoteContext) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (context.apiKey) headers['x-api-key'] = context.apiKey;
      const key = endpointKey(context.endpoint);
      const ask = hashLookup === true || (hashLookup === 'auto' && OFFERS.get(key) === true);
      const sha256 = ask && image.bytes ? image.info.sha256 || (await sha256Hex(image.bytes)) : null;
      if (sha256) {
        const known = await lookUp(context, key, sha256, backend, headers);
        if (known) return known;
      }

      const payload: Record<string, unknown> = {
        backend,
        timeout: Math.min(60, Math.max(3, Math.ceil(context.timeoutMs / 1000))),
      };
      if (image.bytes) payload.image_b64 = `data:${image.info.mime ?? 'application/octet-stream'};base64,${await toBase64(image.bytes)}`;
      else payload.image_url = image.url;
      const { status, body, offersLookup } = await exchange(context, context.endpoint, { method: 'POST', headers, body: JSON.stringify(payload) });
      OFFERS.set(key, offersLookup);
      const answer = expectObject(body, 'The gateway');
      if (String(answer.code) !== '200') throw gatewayError(answer.code, answer.desc ?? answer.msg, status);
      return verdictOf(answer);
    },
  };
}

/** A code-200 answer (an upload's or a look-up's) in Veil's terms. */
function verdictOf(answer: Record<string, unknown>): RemoteVerdict {
  const categories = answer.categories as Partial<Categories> | undefined;
  const porn = numberOf(categories?.porn);
  const sexy = numberOf(categories?.sexy);
  const normal = numberOf(categories?.normal);
  if (porn === null || sexy === null || normal === null) {
    throw new VeilError(ErrorCodes.REMOTE_BAD_RESPONSE, 'The gateway answered code 200 without categories {porn, sexy, normal}.');
  }
  const detections = Array.isArray(answer.detections) ? (answer.detections as Detection[]) : [];
  const raw = typeof answer.raw === 'object' && answer.raw !== null ? (answer.raw as Record<string, unknown>) : {};
  const verdict = {
    backend: typeof answer.backend === 'string' ? answer.backend : 'gateway',
    categories: { porn, sexy, normal },
    detections,
    raw,
    notes: Array.isArray(answer.notes) ? answer.notes.filter((n): n is string => typeof n === 'string') : [],
    tips: typeof answer.tips === 'string' ? answer.tips : '',
    input: (answer.input ?? {}) as Partial<InputInfo>,
  };
  const label = oneOf<Label>(answer.label, ['porn', 'sexy', 'normal']);
  const decision = oneOf<Decision>(answer.decision, ['block', 'review', 'pass']);
  const score = numberOf(answer.score);
  const animation = animationOf(answer.animation);
  return { ...verdict, ...(label && { label }), ...(decision && { decision }), ...(score !== null && { score }), ...(animation && { animation }) };
}

/** A gateway that samples an animation's frames says how (Veil's does); anything malformed is as if it had not said. */
function animationOf(value: unknown): AnimationInfo | null {
  const a = value as Partial<AnimationInfo> | null | undefined;
  const count = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  return a && count(a.frames) && count(a.scanned) && count(a.decided_by) ? { frames: a.frames!, scanned: a.scanned!, decided_by: a.decided_by! } : null;
}
