/**
 * The `apikey` field of a form whose key is in neither the header nor the query,
 * found in the first few KB of its body. Such forms need no CORS preflight, so
 * any web page can make its visitors send them: reading the whole body before
 * the key is known would let anyone make the gateway hold and parse 15 MB per
 * connection. So the key must come before the image, and only fields that end
 * within the prefix count.
 */
import { type BodyKind, boundaryOf } from './request-body.js';

/** The first apikey among the complete urlencoded fields of `prefix`. */
function urlencodedKey(prefix: Buffer, ended: boolean): string | null {
  const complete = prefix.subarray(0, ended ? prefix.length : Math.max(0, prefix.lastIndexOf('&')));
  return new URLSearchParams(complete.toString('utf8')).get('apikey') || null;
}

/** The first apikey part (a field, not a file) that ends within `prefix`. */
function multipartKey(prefix: Buffer, contentType: string): string | null {
  const boundary = boundaryOf(contentType);
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  let at = prefix.indexOf(delimiter);
  while (at >= 0) {
    const headersStart = prefix.indexOf('\r\n', at) + 2;
    const headersEnd = prefix.indexOf('\r\n\r\n', headersStart);
    if (headersStart < 2 || headersEnd < 0) return null;
    const next = prefix.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd);
    if (next < 0) return null;
    const headers = prefix.subarray(headersStart, headersEnd).toString('latin1');
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1] ?? '';
    if (/(^|;)\s*name="?apikey"?\s*(;|$)/i.test(disposition) && !/(^|;)\s*filename\*?=/i.test(disposition)) {
      return prefix.subarray(headersEnd + 4, next).toString('utf8') || null;
    }
    at = next + 2;
  }
  return null;
}

/**
 * The apikey a form's first bytes carry, or null. `ended` says whether `prefix`
 * is the whole body (then its last urlencoded field is complete too).
 */
export function formKey(kind: BodyKind, prefix: Buffer, ended: boolean, contentType: string): string | null {
  if (kind === 'form') return urlencodedKey(prefix, ended);
  if (kind === 'multipart') return multipartKey(prefix, contentType);
  return null;
}
