/**
 * The Tencent AI open platform's image review, `vision_porn`: form fields
 * `app_id`, `time_stamp`, `nonce_str`, `image` (base64, 1 MB at most) or
 * `image_url`, and `sign`: MD5 over the fields sorted by name, URL-encoded as
 * PHP does, followed by `app_key=<key>`, upper-case. The answer's `tag_list` scores normal, hot and
 * porn from 0 to 100; Tencent's documented rule is porn > 83 is porn, hot >
 * normal is sexy, anything else normal.
 *
 * The app key signs requests, so whoever holds it can spend the account: in a
 * browser it is public. Use this dialect from a server, or behind your own gateway.
 */
import { ErrorCodes, VeilError } from '../../errors.js';
import type { Decision, Label } from '../../result.js';
import type { Dialect } from '../dialect.js';
import { expectObject, numberOf, requestJson, toBase64 } from '../http.js';
import { md5Hex } from '../md5.js';

export interface TencentAiOptions {
  appId: string | number;
  /** The app key (secret); `remote.apiKey` is used when this is not given. */
  appKey?: string;
  /** Seconds since the epoch and a nonce; only for reproducible tests. */
  now?: () => number;
  nonce?: () => string;
}

/** PHP's urlencode: like encodeURIComponent, but space is '+' and !'()*~ are escaped too. */
export function phpUrlencode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/[!'()*~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Tencent AI's getReqSign. */
export function tencentAiSign(params: Record<string, string>, appKey: string): string {
  const query = Object.keys(params)
    .sort()
    .filter((key) => key !== 'sign' && params[key] !== '')
    .map((key) => `${key}=${phpUrlencode(params[key]!)}&`)
    .join('');
  return md5Hex(new TextEncoder().encode(`${query}app_key=${appKey}`)).toUpperCase();
}

export function tencentAiDialect(options: TencentAiOptions): Dialect {
  if (options?.appId === undefined || options.appId === '') {
    throw new VeilError(ErrorCodes.BAD_OPTION, 'tencentAiDialect needs { appId } (and the app key as appKey or remote.apiKey).');
  }
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? (() => Math.random().toString(36).slice(2, 18));
  return {
    name: 'tencent-ai',
    async screen(image, context) {
      const appKey = options.appKey ?? context.apiKey;
      if (!appKey) throw new VeilError(ErrorCodes.MISSING_CREDENTIALS, 'Tencent AI needs its app key: pass appKey or remote.apiKey.');
      const params: Record<string, string> = { app_id: String(options.appId), time_stamp: String(now()), nonce_str: nonce() };
      if (image.bytes) {
        if (image.bytes.length > 1024 * 1024) throw new VeilError(ErrorCodes.TOO_LARGE, 'Tencent AI takes images of 1 MB at most: send a smaller image.');
        params.image = await toBase64(image.bytes);
      } else params.image_url = image.url ?? '';
      params.sign = tencentAiSign(params, appKey);

      const { body } = await requestJson(context, context.endpoint, { method: 'POST', body: new URLSearchParams(params) });
      const answer = expectObject(body, 'Tencent AI');
      const ret = numberOf(answer.ret);
      if (ret !== 0) {
        throw new VeilError(ErrorCodes.REMOTE_FAILED, `Tencent AI answered ret ${String(answer.ret)}: ${String(answer.msg ?? 'no reason given')}.`);
      }
      const data = expectObject(answer.data, 'Tencent AI');
      const tags = new Map<string, number>();
      for (const tag of Array.isArray(data.tag_list) ? (data.tag_list as { tag_name?: unknown; tag_confidence?: unknown }[]) : []) {
        const value = numberOf(tag.tag_confidence);
        if (typeof tag.tag_name === 'string' && value !== null) tags.set(tag.tag_name, value);
      }
      if (!tags.has('normal') || !tags.has('hot') || !tags.has('porn')) {
        throw new VeilError(ErrorCodes.REMOTE_BAD_RESPONSE, 'Tencent AI answered without the normal, hot and porn tags.');
      }
      const [normal, hot, porn] = [tags.get('normal')!, tags.get('hot')!, tags.get('porn')!];
      const label: Label = porn > 83 ? 'porn' : hot > normal ? 'sexy' : 'normal';
      const total = normal + hot + porn || 1;
      const categories = { porn: porn / total, sexy: hot / total, normal: normal / total };
      // The documented rule labels the image; only its porn verdict is a block.
      const decision: Decision | undefined = label === 'porn' ? 'block' : label === 'normal' ? 'pass' : undefined;
      return {
        backend: 'tencent-ai',
        categories,
        label,
        score: categories[label],
        ...(decision && { decision }),
        raw: { 'tencent-ai': answer },
      };
    },
  };
}
