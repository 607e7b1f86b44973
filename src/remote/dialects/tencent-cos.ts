/**
 * Tencent COS image review through a self-hosted PHP front: the image as a
 * multipart `image` file (or `url`), 10 MB at most; `data.review_result` carries
 * COS's verdict, and `PornInfo` its pornography part: `HitFlag` 0 normal,
 * 1 confirmed, 2 suspected, and a `Score` from 0 to 100.
 */
import { ErrorCodes, VeilError } from '../../errors.js';
import type { Dialect } from '../dialect.js';
import { expectObject, numberOf, requestJson } from '../http.js';

const LIMIT = 10 * 1024 * 1024;

export function tencentCosDialect(): Dialect {
  return {
    name: 'tencent-cos',
    async screen(image, context) {
      let init: RequestInit;
      if (image.bytes) {
        if (image.bytes.length > LIMIT) throw new VeilError(ErrorCodes.TOO_LARGE, 'This service takes images of 10 MB at most: send a smaller image.');
        const form = new FormData();
        const ext = (image.info.mime ?? 'image/jpeg').split('/')[1] ?? 'jpg';
        form.set('image', new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.info.mime ?? 'application/octet-stream' }), `image.${ext}`);
        init = { method: 'POST', body: form };
      } else {
        init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: image.url }) };
      }
      const { body } = await requestJson(context, context.endpoint, init);
      const answer = expectObject(body, 'The COS review service');
      if (answer.success !== true || numberOf(answer.code) !== 200) {
        const message = typeof answer.message === 'string' ? answer.message : 'no reason given';
        throw new VeilError(
          /过大|too large/i.test(message) ? ErrorCodes.TOO_LARGE : /格式|format/i.test(message) ? ErrorCodes.UNSUPPORTED_FORMAT : ErrorCodes.REMOTE_FAILED,
          `The COS review service failed: ${message}.`,
        );
      }
      const data = expectObject(answer.data, 'The COS review service');
      const review = expectObject(data.review_result, 'The COS review service');
      const porn = expectObject(review.PornInfo, 'The COS review service');
      const hit = numberOf(porn.HitFlag);
      const score = numberOf(porn.Score);
      if (hit === null || score === null) {
        throw new VeilError(ErrorCodes.REMOTE_BAD_RESPONSE, 'The COS review service answered without PornInfo.HitFlag and Score.');
      }
      // COS labels suggestive images "Sexy" within its porn check.
      const labels = [porn.Label, porn.SubLabel].flat().map(String).join(' ');
      const value = Math.min(1, Math.max(0, score / 100));
      const sexy = /sexy/i.test(labels);
      return {
        backend: 'tencent-cos',
        categories: sexy ? { porn: 0, sexy: value, normal: 1 - value } : { porn: value, sexy: 0, normal: 1 - value },
        decision: hit === 1 ? 'block' : hit === 2 ? 'review' : 'pass',
        raw: { 'tencent-cos': answer },
      };
    },
  };
}
