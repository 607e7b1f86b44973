/**
 * nsfw-categorize.it, a nudity-detection service. `remote.url` is its API base
 * (…/api). The hash look-up (`/hash/<sha1>`) is free, so it is asked first; only
 * an image it has not seen is uploaded (`/upload`, multipart `image`, or
 * `?url=`). The key goes in the NSFWKEY header. Its answer: `classification`, `nsfw`, `porn` and a
 * `confidence` from 0 to 100.
 */
import { ErrorCodes, VeilError } from '../../errors.js';
import type { Categories, Label } from '../../result.js';
import type { Dialect, RemoteContext } from '../dialect.js';
import { expectObject, numberOf, requestJson } from '../http.js';

async function sha1Hex(bytes: Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null; // no Web Crypto outside secure contexts: skip the look-up
  const digest = new Uint8Array(await subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function verdictOf(answer: Record<string, unknown>) {
  const data = expectObject(answer.data, 'nsfw-categorize');
  const confidence = numberOf(data.confidence);
  if (confidence === null || typeof data.nsfw !== 'boolean' || typeof data.porn !== 'boolean') {
    throw new VeilError(ErrorCodes.REMOTE_BAD_RESPONSE, 'nsfw-categorize answered OK without confidence, nsfw and porn.');
  }
  const c = Math.min(1, Math.max(0, confidence / 100));
  // Its confidence is in its own classification: porn, nsfw (not porn) or neutral.
  const label: Label = data.porn ? 'porn' : data.nsfw ? 'sexy' : 'normal';
  const categories: Categories =
    label === 'porn' ? { porn: c, sexy: 0, normal: 1 - c } : label === 'sexy' ? { porn: 0, sexy: c, normal: 1 - c } : { porn: 0, sexy: 0, normal: c };
  if (label === 'normal') categories.sexy = 1 - c; // the rest of a neutral verdict is the chance it is NSFW after all
  return { label, categories };
}

function failure(answer: Record<string, unknown>): VeilError {
  const reason = typeof answer.reason === 'string' ? answer.reason : 'no reason given';
  if (answer.status === 'NOQUOTA') return new VeilError(ErrorCodes.RATE_LIMITED, `nsfw-categorize has no quota left: ${reason}`);
  if (/not a valid image/i.test(reason)) return new VeilError(ErrorCodes.UNSUPPORTED_FORMAT, `nsfw-categorize refused the image: ${reason}`);
  return new VeilError(ErrorCodes.REMOTE_FAILED, `nsfw-categorize failed: ${reason}`);
}

export function nsfwCategorizeDialect(): Dialect {
  return {
    name: 'nsfw-categorize',
    async screen(image, context: RemoteContext) {
      const base = context.endpoint.replace(/\/+$/, '');
      const headers: Record<string, string> = context.apiKey ? { NSFWKEY: context.apiKey } : {};
      const notes: string[] = [];
      const raw: Record<string, unknown> = {};

      const sha1 = image.bytes ? await sha1Hex(image.bytes) : null;
      if (sha1) {
        const { body } = await requestJson(context, `${base}/hash/${sha1}`, { method: 'GET', headers });
        const answer = expectObject(body, 'nsfw-categorize');
        if (answer.status === 'OK') {
          notes.push('nsfw-categorize knew this image by its SHA-1: answered without uploading it.');
          return { backend: 'nsfw-categorize', ...verdictOf(answer), raw: { 'nsfw-categorize': answer }, notes };
        }
        raw['nsfw-categorize-hash'] = answer;
      }

      let answer: Record<string, unknown>;
      if (image.bytes) {
        const form = new FormData();
        form.set('image', new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.info.mime ?? 'application/octet-stream' }), 'image');
        answer = expectObject((await requestJson(context, `${base}/upload`, { method: 'POST', headers, body: form })).body, 'nsfw-categorize');
      } else {
        const url = `${base}/upload?url=${encodeURIComponent(image.url ?? '')}`;
        answer = expectObject((await requestJson(context, url, { method: 'GET', headers })).body, 'nsfw-categorize');
      }
      if (answer.status !== 'OK') throw failure(answer);
      return { backend: 'nsfw-categorize', ...verdictOf(answer), raw: { ...raw, 'nsfw-categorize': answer }, notes };
    },
  };
}
