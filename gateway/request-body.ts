/**
 * Reads a request body without ever holding more than the limit: a declared
 * Content-Length over it is refused before a byte is read, and a chunked body is
 * counted as it streams and cut off the moment it passes the limit. Then parses
 * it by Content-Type into flat fields (a bounded number) and at most one uploaded file.
 */
import type { IncomingMessage } from 'node:http';
import { ErrorCodes, VeilError } from '../src/errors.js';
import { GatewayError } from './responses.js';

export interface UploadedFile {
  bytes: Uint8Array;
  filename: string;
  /** As the client declared it; checked against the bytes later, never trusted. */
  type: string;
}

export interface RequestFields {
  fields: Record<string, unknown>;
  file: UploadedFile | null;
}

export type BodyKind = 'json' | 'form' | 'multipart';

const tooLarge = (limit: number) =>
  new VeilError(ErrorCodes.TOO_LARGE, `The request body is larger than this gateway accepts (${limit} bytes): send a smaller image.`);

/** The parser a Content-Type calls for; throws 4000 (HTTP 415) for any other type. */
export function bodyKind(contentType: string | undefined): BodyKind {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'multipart/form-data') return 'multipart';
  throw new GatewayError(
    ErrorCodes.BAD_INPUT,
    `Content-Type ${type ? `"${type.slice(0, 60)}"` : 'is missing; it'} must be application/json, application/x-www-form-urlencoded or multipart/form-data.`,
    415,
  );
}

/** What has been read of a body so far. */
export interface BodySoFar {
  chunks: Buffer[];
  size: number;
  ended: boolean;
}

/**
 * Reads on until `until` bytes are in or the body ends, holding at most `limit`
 * (4004 past it), then pauses: a form with no key in the header or query is read
 * only as far as its key first. Events rather than `for await`: leaving an async
 * iterator early destroys the request, and with it the socket the answer must go out on.
 */
export function readBodyPart(req: IncomingMessage, limit: number, until = Infinity, sofar?: BodySoFar): Promise<BodySoFar> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  const body: BodySoFar = sofar ?? { chunks: [], size: 0, ended: false };
  // The client went away mid-body: nobody will read the answer, but the promise must settle.
  const cutOffError = () => new VeilError(ErrorCodes.BAD_INPUT, 'The request body was cut off before its end.');
  if (body.ended || req.readableEnded) return Promise.resolve({ ...body, ended: true });
  if (req.destroyed) return Promise.reject(cutOffError());
  return new Promise((resolve, reject) => {
    const detach = () => {
      req.off('data', onData).off('end', onEnd).off('error', cutOff).off('close', cutOff);
      req.pause();
    };
    const cutOff = () => {
      detach();
      reject(cutOffError());
    };
    const onData = (chunk: Buffer) => {
      body.size += chunk.length;
      if (body.size > limit) {
        detach();
        reject(tooLarge(limit));
        return;
      }
      body.chunks.push(chunk);
      if (body.size >= until) {
        detach();
        resolve(body);
      }
    };
    const onEnd = () => {
      detach();
      body.ended = true;
      resolve(body);
    };
    req.on('data', onData).on('end', onEnd).on('error', cutOff).on('close', cutOff);
    req.resume();
  });
}

/** The whole body, at most `limit` bytes; throws 4004 past it and 4000 when empty. */
export async function readBody(req: IncomingMessage, limit: number, sofar?: BodySoFar): Promise<Buffer> {
  const { chunks, size } = await readBodyPart(req, limit, Infinity, sofar);
  if (size === 0) {
    throw new VeilError(ErrorCodes.BAD_INPUT, 'The request body is empty: send image_url or image_b64 (JSON or form fields) or a file upload.');
  }
  return Buffer.concat(chunks, size);
}

const tooManyFields = (max: number) =>
  new VeilError(ErrorCodes.BAD_INPUT, `The form has more than ${max} fields: send only image_url, image_b64 or a file, backend, timeout and apikey.`);

/**
 * Throws 4000 when `body` has more than `maxFields` fields, `extra` more
 * separators than fields (-1 between urlencoded fields, +1 for multipart's closing
 * delimiter), counting no further than that.
 */
function countFields(body: Buffer, separator: string, extra: number, maxFields: number): void {
  let count = 0;
  for (let at = body.indexOf(separator); at >= 0; at = body.indexOf(separator, at + separator.length)) {
    if (++count > maxFields + extra) throw tooManyFields(maxFields);
  }
}

/** The multipart boundary of a Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]!) : null;
}

async function parseMultipart(body: Buffer, contentType: string, maxFields: number): Promise<RequestFields> {
  // Each part opens with a delimiter line and the body closes with one more.
  const boundary = boundaryOf(contentType);
  if (boundary) countFields(body, `--${boundary}`, 1, maxFields);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new VeilError(ErrorCodes.BAD_INPUT, 'The multipart body could not be parsed: check its boundary and part headers.');
  }
  const fields: Record<string, unknown> = {};
  let file: UploadedFile | null = null;
  for (const [name, value] of form) {
    if (typeof value === 'string') {
      fields[name] = value;
      continue;
    }
    if (file) throw new VeilError(ErrorCodes.BAD_INPUT, 'The upload has more than one file: send one image per request.');
    file = { bytes: new Uint8Array(await value.arrayBuffer()), filename: value.name || name, type: value.type };
  }
  return { fields, file };
}

/** Parses a body already read by `readBody`; a form or upload may have at most `maxFields` fields. */
export async function parseBody(kind: BodyKind, body: Buffer, contentType: string, maxFields = Infinity): Promise<RequestFields> {
  if (kind === 'multipart') return parseMultipart(body, contentType, maxFields);
  if (kind === 'form') countFields(body, '&', -1, maxFields);
  const text = body.toString('utf8');
  if (kind === 'form') return { fields: Object.fromEntries(new URLSearchParams(text)), file: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new VeilError(ErrorCodes.BAD_INPUT, `The JSON body does not parse (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VeilError(ErrorCodes.BAD_INPUT, 'The JSON body must be an object such as {"image_url": "https://…"}.');
  }
  return { fields: value as Record<string, unknown>, file: null };
}
