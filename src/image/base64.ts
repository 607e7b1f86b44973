/**
 * Base64 strings and data URIs, the gateway's `image_b64` forms: plain base64
 * (standard or URL-safe alphabet, whitespace allowed) or `data:<type>;base64,...`.
 */
import { ErrorCodes, VeilError } from '../errors.js';
import { sniffMime } from './sniff.js';

export interface DecodedText {
  bytes: Uint8Array;
  /** The type a data URI declares, if any; it is checked against the bytes, not trusted. */
  declaredMime: string | null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64; throws VeilError 4000 when the text is not base64. */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!BASE64.test(clean) || clean.length % 4 === 1) {
    throw new VeilError(ErrorCodes.BAD_INPUT, 'The string is neither a URL nor valid base64: pass an image URL, a data URI or base64 of an image file.');
  }
  const binary = atob(clean.padEnd(Math.ceil(clean.length / 4) * 4, '='));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Decodes a data URI (base64 or percent-encoded) or bare base64. */
export function decodeImageText(text: string): DecodedText {
  const match = /^data:([^,]*?),(.*)$/s.exec(text.trim());
  if (!match) return { bytes: decodeBase64(text), declaredMime: null };
  const params = match[1]!.split(';').map((p) => p.trim().toLowerCase());
  const declaredMime = params[0] || null;
  if (params.includes('base64')) return { bytes: decodeBase64(match[2]!), declaredMime };
  try {
    return { bytes: new TextEncoder().encode(decodeURIComponent(match[2]!)), declaredMime };
  } catch {
    throw new VeilError(ErrorCodes.BAD_INPUT, 'The data URI is malformed: its percent-encoding does not decode.');
  }
}

/**
 * Whether a string is image data rather than a URL: a data URI, or base64 whose
 * first bytes carry an image signature. A URL such as "/9j/cat.jpg" has a '.'
 * and fails; a path that happens to be base64 would not decode to a signature.
 */
export function isImageText(text: string): boolean {
  const trimmed = text.trimStart();
  if (/^data:/i.test(trimmed)) return true;
  const head = trimmed.slice(0, 64).replace(/\s+/g, '');
  if (head.length < 8) return false;
  try {
    return sniffMime(decodeBase64(head.slice(0, head.length - (head.length % 4)))) !== null;
  } catch {
    return false;
  }
}
