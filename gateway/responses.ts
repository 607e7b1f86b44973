/**
 * What the gateway answers. Success is the image-nsfw gateway API's result
 * schema with HTTP 200; every failure is `{ code, desc }` with that API's (or
 * Veil's) numeric code and a sentence saying what to do, under an HTTP status
 * that says the same to tools that only look at the status: 4xxx codes get a
 * 4xx status, 5xxx a 5xx one.
 */
import type { ServerResponse } from 'node:http';
import { type ErrorCode, ErrorCodes, isVeilError, VeilError } from '../src/errors.js';

/** A VeilError with an HTTP status other than its code's usual one (415, 405, 504). */
export class GatewayError extends VeilError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

/** The usual HTTP status of each code (README: "Statuses and codes"). */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.BAD_INPUT]: 400,
  [ErrorCodes.BAD_OPTION]: 400,
  [ErrorCodes.UNSUPPORTED_FORMAT]: 415,
  [ErrorCodes.DECODE_FAILED]: 422,
  [ErrorCodes.FETCH_FAILED]: 422,
  [ErrorCodes.URL_REFUSED]: 400,
  [ErrorCodes.MISSING_CREDENTIALS]: 400,
  [ErrorCodes.TOO_LARGE]: 413,
  [ErrorCodes.BAD_API_KEY]: 401,
  [ErrorCodes.RATE_LIMITED]: 429,
  [ErrorCodes.HASH_NOT_SEEN]: 404,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.INTERNAL]: 500,
  [ErrorCodes.MODEL_UNAVAILABLE]: 503,
  [ErrorCodes.NO_BACKEND]: 503,
  [ErrorCodes.REMOTE_UNREACHABLE]: 503,
  [ErrorCodes.BUSY]: 503,
  [ErrorCodes.TIMED_OUT]: 503,
  [ErrorCodes.INFERENCE_FAILED]: 500,
};

export interface ErrorBody {
  code: number;
  desc: string;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

/**
 * Turns anything thrown while handling a request into the error answer. An error
 * that is not a VeilError is a bug: it is logged and answered 5000 without detail.
 */
export function sendError(res: ServerResponse, error: unknown, log: (line: string) => void): void {
  let veil: VeilError;
  if (isVeilError(error)) {
    veil = error;
  } else {
    log(`gateway: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    veil = new VeilError(ErrorCodes.INTERNAL, 'The gateway failed unexpectedly; its operator can find the cause in its log.');
  }
  const status = veil instanceof GatewayError ? veil.status : (HTTP_STATUS[veil.code] ?? 500);
  const headers = veil instanceof GatewayError ? veil.headers : {};
  const body: ErrorBody = { code: Number(veil.code), desc: veil.message };
  sendJson(res, status, body, headers);
}
