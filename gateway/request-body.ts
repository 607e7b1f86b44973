/**
 * Reads a request body without ever holding more than the limit: a declared
 * Content-Length over it is refused before a byte is read, and a chunked body is
 * counted as it streams and cut off the moment it passes the limit. Then parses
 * it by Content-Type into flat fields and at most one uploaded file.
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

/**
 * The body's bytes, at most `limit` of them; throws 4004 past it and 4000 when
 * empty. Events rather than `for await`: leaving an async iterator early destroys
 * the request, and with it the socket the 413 answer must go out on.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: unknown) => {
      req.off('data', onData).off('end', onEnd).off('error', cutOff).off('close', cutOff);
      req.pause();
      reject(error);
    };
    // The client went away mid-body: nobody will read the answer, but the promise must settle.
    const cutOff = () => stop(new VeilError(ErrorCodes.BAD_INPUT, 'The request body was cut off before its end.'));
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) stop(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      req.off('error', cutOff).off('close', cutOff);
      if (size === 0) {
        reject(new VeilError(ErrorCodes.BAD_INPUT, 'The request body is empty: send image_url or image_b64 (JSON or form fields) or a file upload.'));
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    req.on('data', onData).on('end', onEnd).on('error', cutOff).on('close', cutOff);
  });
}

async function parseMultipart(body: Buffer, contentType: string): Promise<RequestFields> {
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

/** Parses a body already read by `readBody`. */
export async function parseBody(kind: BodyKind, body: Buffer, contentType: string): Promise<RequestFields> {
  if (kind === 'multipart') return parseMultipart(body, contentType);
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
