/**
 * The image-nsfw gateway API: the protocol Veil's own result schema comes
 * from, and the default dialect. POST JSON with `image_b64` (a data URI) or
 * `image_url`, `backend` and `timeout` in seconds; the key in X-Api-Key.
 */
import { ErrorCodes, VeilError, type ErrorCode } from '../../errors.js';
import type { Categories, Decision, Detection, InputInfo, Label } from '../../result.js';
import type { Dialect } from '../dialect.js';
import { expectObject, numberOf, requestJson, toBase64 } from '../http.js';

export interface GatewayOptions {
  /** Which of the gateway's backends to ask for: auto, nudenet, baidu, tencent or aliyun. Default `auto`. */
  backend?: 'auto' | 'nudenet' | 'baidu' | 'tencent' | 'aliyun';
}

const KNOWN: Record<string, ErrorCode> = {
  '4000': ErrorCodes.BAD_INPUT,
  '4001': ErrorCodes.BAD_OPTION,
  '4002': ErrorCodes.UNSUPPORTED_FORMAT,
  '4003': ErrorCodes.DECODE_FAILED,
  '4004': ErrorCodes.TOO_LARGE,
  '4005': ErrorCodes.FETCH_FAILED,
  '4007': ErrorCodes.URL_REFUSED,
  '4011': ErrorCodes.MISSING_CREDENTIALS,
  '4015': ErrorCodes.BAD_API_KEY,
  '4029': ErrorCodes.RATE_LIMITED,
  '4044': ErrorCodes.NOT_FOUND, // the endpoint was retired, or never existed
  '5020': ErrorCodes.NO_BACKEND,
  '5021': ErrorCodes.REMOTE_UNREACHABLE,
  // The gateway's response-field table also lists these business codes.
  '0001': ErrorCodes.REMOTE_FAILED,
  '0010': ErrorCodes.NO_BACKEND,
  '0510': ErrorCodes.REMOTE_UNREACHABLE,
};

const WHAT_TO_DO: Partial<Record<ErrorCode, string>> = {
  [ErrorCodes.BAD_API_KEY]: 'Check remote.apiKey.',
  [ErrorCodes.MISSING_CREDENTIALS]: 'The gateway has no credentials for that backend: choose another backend.',
  [ErrorCodes.NO_BACKEND]: 'The gateway has no backend configured: ask its operator.',
  [ErrorCodes.RATE_LIMITED]: 'Try again shortly.',
};

/** A VeilError for a gateway error body, keeping the gateway's own code where Veil knows it. */
export function gatewayError(code: unknown, desc: unknown, status: number): VeilError {
  const key = String(code ?? '');
  const mapped = KNOWN[key] ?? (status === 429 ? ErrorCodes.RATE_LIMITED : ErrorCodes.REMOTE_FAILED);
  const said = typeof desc === 'string' && desc ? `: ${desc}` : '';
  const advice = WHAT_TO_DO[mapped] ? ` ${WHAT_TO_DO[mapped]}` : '';
  return new VeilError(mapped, `The gateway answered code ${key || `HTTP ${status}`}${said}.${advice}`);
}

const oneOf = <T extends string>(value: unknown, options: readonly T[]): T | undefined =>
  options.includes(value as T) ? (value as T) : undefined;

export function gatewayDialect(options: GatewayOptions = {}): Dialect {
  const backend = options.backend ?? 'auto';
  return {
    name: 'gateway',
    async screen(image, context) {
      const payload: Record<string, unknown> = {
        backend,
        timeout: Math.min(60, Math.max(3, Math.ceil(context.timeoutMs / 1000))),
      };
      if (image.bytes) payload.image_b64 = `data:${image.info.mime ?? 'application/octet-stream'};base64,${await toBase64(image.bytes)}`;
      else payload.image_url = image.url;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (context.apiKey) headers['x-api-key'] = context.apiKey;

      const { status, body } = await requestJson(context, context.endpoint, { method: 'POST', headers, body: JSON.stringify(payload) });
      const answer = expectObject(body, 'The gateway');
      if (String(answer.code) !== '200') throw gatewayError(answer.code, answer.desc ?? answer.msg, status);

      const categories = answer.categories as Partial<Categories> | undefined;
      const porn = numberOf(categories?.porn);
      const sexy = numberOf(categories?.sexy);
      const normal = numberOf(categories?.normal);
      if (porn === null || sexy === null || normal === null) {
        throw new VeilError(ErrorCodes.REMOTE_BAD_RESPONSE, 'The gateway answered code 200 without categories {porn, sexy, normal}.');
      }
      const detections = Array.isArray(answer.detections) ? (answer.detections as Detection[]) : [];
      const raw = typeof answer.raw === 'object' && answer.raw !== null ? (answer.raw as Record<string, unknown>) : {};
      const verdict = {
        backend: typeof answer.backend === 'string' ? answer.backend : 'gateway',
        categories: { porn, sexy, normal },
        detections,
        raw,
        notes: Array.isArray(answer.notes) ? answer.notes.filter((n): n is string => typeof n === 'string') : [],
        tips: typeof answer.tips === 'string' ? answer.tips : '',
        input: (answer.input ?? {}) as Partial<InputInfo>,
      };
      const label = oneOf<Label>(answer.label, ['porn', 'sexy', 'normal']);
      const decision = oneOf<Decision>(answer.decision, ['block', 'review', 'pass']);
      const score = numberOf(answer.score);
      return { ...verdict, ...(label && { label }), ...(decision && { decision }), ...(score !== null && { score }) };
    },
  };
}
