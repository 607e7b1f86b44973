/**
 * What the three cloud backends share: one HTTP exchange with a vendor, its
 * failures turned into the gateway's codes, and those codes' sentences.
 * - the vendor cannot be reached, does not answer within the request's
 *   `timeout`, or answers something that is not its documented JSON: 5021;
 * - it refuses this gateway's credentials: 5021, naming the variables to check
 *   (the caller can do nothing about it; its operator can);
 * - its own rate or quota is spent: 4029 (HTTP 429) with Retry-After, as for
 *   the gateway's own limits;
 * - it could not download an `image_url` handed to it: 4005.
 * Every one of them lets `auto` go on to the next backend (detect.ts).
 */
import { ErrorCodes, type ErrorCode } from '../src/errors.js';
import { CLOUD_VARIABLES, type CloudBackend } from './backends.js';
import { GatewayError, HTTP_STATUS } from './responses.js';

/** A cloud backend's failure, in the gateway's terms. */
export class CloudError extends GatewayError {
  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(code, message, HTTP_STATUS[code] ?? 503, headers);
  }
}

export const unreachable = (backend: CloudBackend, why: string) =>
  new CloudError(ErrorCodes.REMOTE_UNREACHABLE, `The ${backend} backend could not be reached (${why}).`);

export const malformed = (backend: CloudBackend, why: string) =>
  new CloudError(ErrorCodes.REMOTE_UNREACHABLE, `The ${backend} backend answered something that is not its documented answer (${why}).`);

export const refusedCredentials = (backend: CloudBackend, detail: string) =>
  new CloudError(
    ErrorCodes.REMOTE_UNREACHABLE,
    `The ${backend} backend refused this gateway's credentials (${detail}): its operator must check ${CLOUD_VARIABLES[backend].join(' and ')}.`,
  );

/** `retryS`: 1 for a per-second limit, longer for a daily or total one. */
export const vendorQuota = (backend: CloudBackend, detail: string, retryS: number) =>
  new CloudError(ErrorCodes.RATE_LIMITED, `The ${backend} backend's own rate or quota is spent (${detail}): retry after ${retryS} s.`, {
    'retry-after': String(retryS),
  });

export const vendorFailed = (backend: CloudBackend, detail: string) =>
  new CloudError(ErrorCodes.REMOTE_UNREACHABLE, `The ${backend} backend could not screen this image (${detail}).`);

export const vendorCouldNotFetch = (backend: CloudBackend, detail: string) =>
  new CloudError(ErrorCodes.FETCH_FAILED, `The ${backend} backend could not download image_url (${detail}): make sure it is reachable from the internet.`);

/** POSTs to a vendor and parses its JSON answer, whatever its HTTP status (vendors put their error codes in the body). */
export async function postToCloud(
  backend: CloudBackend,
  url: URL,
  init: { headers: Record<string, string>; body: string | undefined },
  signal: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal, redirect: 'error' });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) {
      throw new CloudError(ErrorCodes.REMOTE_UNREACHABLE, `The ${backend} backend did not answer within the request's timeout: retry, or ask for a longer timeout.`);
    }
    const cause = (error as Error & { cause?: Error }).cause;
    throw unreachable(backend, cause?.message ?? (error as Error).message);
  }
  try {
    const body: unknown = JSON.parse(text);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    return { status: response.status, body };
  } catch {
    throw malformed(backend, `HTTP ${response.status}, ${JSON.stringify(text.slice(0, 60))}`);
  }
}

/** Rounds a probability to 4 places, as the result's scores are. */
export const round4 = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * 1e4) / 1e4;

/** The label among porn, sexy and normal with the highest probability (porn first on a tie, then sexy). */
export function topLabel(categories: { porn: number; sexy: number; normal: number }): 'porn' | 'sexy' | 'normal' {
  const { porn, sexy, normal } = categories;
  if (porn >= sexy && porn >= normal && porn > 0) return 'porn';
  if (sexy >= normal && sexy > 0) return 'sexy';
  return 'normal';
}
