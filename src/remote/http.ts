/**
 * The one place remote requests are made: timeouts and aborts, and the mapping
 * of transport failures to gateway codes, so every dialect fails alike.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import type { RemoteContext } from './dialect.js';

export interface JsonResponse {
  status: number;
  body: unknown;
}

const describeUrl = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`; // never the query: it may carry a key
  } catch {
    return 'the remote service';
  }
};

/** Fetches and parses JSON; throws 5021 when unreachable or too slow, 5022 for a body that is not JSON. */
export async function requestJson(context: RemoteContext, url: string, init: RequestInit): Promise<JsonResponse> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { ...context.headers, ...(init.headers as Record<string, string>) }, signal: context.signal });
  } catch (error) {
    const reason = context.signal.reason as unknown;
    if (reason instanceof VeilError) throw reason; // aborted by the caller or timed out: already worded
    throw new VeilError(
      ErrorCodes.REMOTE_UNREACHABLE,
      `${describeUrl(url)} could not be reached (${error instanceof Error ? error.message : String(error)}). Check the gateway URL and that it allows this page's origin (CORS).`,
      { cause: error },
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const reason = context.signal.reason as unknown;
    if (reason instanceof VeilError) throw reason;
    throw new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `${describeUrl(url)} stopped answering mid-response.`, { cause: error });
  }
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    if (response.status === 401 || response.status === 403) {
      throw new VeilError(ErrorCodes.BAD_API_KEY, `${describeUrl(url)} refused the API key (HTTP ${response.status}).`);
    }
    if (response.status === 429) throw new VeilError(ErrorCodes.RATE_LIMITED, `${describeUrl(url)} is rate-limiting this page (HTTP 429): try again shortly.`);
    if (response.status >= 500) {
      throw new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `${describeUrl(url)} failed with HTTP ${response.status}.`);
    }
    throw new VeilError(
      ErrorCodes.REMOTE_BAD_RESPONSE,
      `${describeUrl(url)} answered HTTP ${response.status} with something that is not JSON: check remote.url points at the service's API.`,
    );
  }
}

/** The body as an object, or 5022 naming what was expected. */
export function expectObject(body: unknown, service: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new VeilError(ErrorCodes.REMOTE_BAD_RESPONSE, `${service} answered JSON that is not an object, not its documented response.`);
  }
  return body as Record<string, unknown>;
}

/** Base64 of bytes; off the page's thread where FileReader exists, so large images do not block it. */
export async function toBase64(bytes: Uint8Array): Promise<string> {
  if (typeof FileReader !== 'undefined') {
    const url = await new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as string);
      reader.onerror = () => reject(reader.error ?? new Error('FileReader failed'));
      reader.readAsDataURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    });
    return url.slice(url.indexOf(',') + 1);
  }
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A number from a service field that may be a number or a numeric string. */
export function numberOf(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}
