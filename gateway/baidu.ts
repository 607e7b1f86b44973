/**
 * baidu: Baidu AI Cloud's content review for images, "内容审核平台-图像"
 * (`/rest/2.0/solution/v1/img_censor/v2/user_defined`), with an OAuth access
 * token from `/oauth/2.0/token` (grant_type client_credentials, the API key as
 * client_id and the secret key as client_secret).
 *
 * Written from Baidu's published API reference, without its SDK: the official
 * Node SDK (baidu-aip-sdk) depends on `request`, deprecated since 2020, and the
 * protocol has no signature to get wrong (the token rides in the query).
 * UNTESTED AGAINST THE REAL SERVICE (no internet where it was written): the
 * tests run it against a loopback stand-in that speaks the documented wire format.
 *
 * - The token is cached per API key and secret key until `expires_in` (less a minute), one
 *   fetch shared by concurrent calls; an answer saying it is invalid or expired
 *   (error_code 110, 111) drops it, and the call is retried once with a new one.
 * - `image_b64` and uploads go as `image` (base64, no data: prefix), `image_url`
 *   as `imgUrl`: Baidu downloads it itself.
 * - `conclusionType` 1 (合规) is pass, 2 (不合规) block, 3 (疑似) review, 4
 *   (审核失败) a failure (5021). `label` and `categories` come from its
 *   pornography items (data[].type 1): those whose `msg` names 性感 (sexy) or
 *   低俗 (vulgar) count as sexy, the others as porn, at their `probability`.
 *   The decision stays Baidu's, which covers every dimension the operator's
 *   strategy checks; a note says so when it comes from another type.
 */
import { createHash } from 'node:crypto';
import type { ModerationResult } from '../src/result.js';
import { malformed, postToCloud, refusedCredentials, round4, topLabel, vendorFailed, vendorQuota } from './cloud-http.js';
import type { LoadedImage } from './image-input.js';

export const BAIDU_ENDPOINT = 'https://aip.baidubce.com';
export const BAIDU_CENSOR_PATH = '/rest/2.0/solution/v1/img_censor/v2/user_defined';
export const BAIDU_TOKEN_PATH = '/oauth/2.0/token';

interface CachedToken {
  token: string;
  expiresAt: number;
}
/** Tokens by endpoint and keys; a pending fetch is shared. */
const tokens = new Map<string, Promise<CachedToken>>();

/** Forgets every cached token (tests). */
export function forgetBaiduTokens(): void {
  tokens.clear();
}

async function fetchToken(base: string, apiKey: string, secretKey: string, signal: AbortSignal): Promise<CachedToken> {
  const url = new URL(BAIDU_TOKEN_PATH, base);
  url.search = new URLSearchParams({ grant_type: 'client_credentials', client_id: apiKey, client_secret: secretKey }).toString();
  const { body } = await postToCloud('baidu', url, { headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '' }, signal);
  const answer = body as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
  if (typeof answer.error === 'string') throw refusedCredentials('baidu', `${answer.error}: ${String(answer.error_description ?? '')}`.slice(0, 200));
  if (typeof answer.access_token !== 'string' || !answer.access_token) throw malformed('baidu', 'its token answer has no access_token');
  const lifeS = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 86_400;
  return { token: answer.access_token, expiresAt: Date.now() + Math.max(0, lifeS - 60) * 1000 };
}

async function token(base: string, apiKey: string, secretKey: string, signal: AbortSignal, fresh: boolean): Promise<string> {
  // By both keys: a secret key changed on the server must not reuse the old one's token.
  const key = createHash('sha256').update(`${base}\n${apiKey}\n${secretKey}`).digest('hex');
  let pending = tokens.get(key);
  if (pending && !fresh) {
    const cached = await pending.catch(() => null);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    if (tokens.get(key) !== pending) return token(base, apiKey, secretKey, signal, false);
  }
  pending = fetchToken(base, apiKey, secretKey, signal);
  tokens.set(key, pending);
  pending.catch(() => {
    if (tokens.get(key) === pending) tokens.delete(key);
  });
  return (await pending).token;
}

interface BaiduItem {
  type?: number;
  subType?: number;
  msg?: string;
  probability?: number;
  conclusion?: string;
  conclusionType?: number;
}
interface BaiduAnswer {
  log_id?: number | string;
  error_code?: number;
  error_msg?: string;
  conclusion?: string;
  conclusionType?: number;
  data?: BaiduItem[];
}

/** Token errors: retried once with a new token. */
const TOKEN_ERRORS = new Set([110, 111]);
/** Rate and quota errors, with the seconds to wait: QPS, daily, cluster and total limits. */
const QUOTA_ERRORS = new Map([
  [18, 1],
  [4, 1],
  [17, 3600],
  [19, 3600],
]);
/** Permission and authentication errors other than the token's. */
const AUTH_ERRORS = new Set([6, 14, 100]);

function failure(answer: BaiduAnswer): Error {
  const code = answer.error_code!;
  const detail = `error_code ${code}: ${String(answer.error_msg ?? '').slice(0, 120)}`;
  const wait = QUOTA_ERRORS.get(code);
  if (wait !== undefined) return vendorQuota('baidu', detail, wait);
  if (TOKEN_ERRORS.has(code) || AUTH_ERRORS.has(code)) return refusedCredentials('baidu', detail);
  return vendorFailed('baidu', detail);
}

/** Baidu's answer in the image-nsfw result schema. */
export function mapBaidu(answer: BaiduAnswer, image: LoadedImage): Omit<ModerationResult, 'elapsed_ms'> {
  if (typeof answer.error_code === 'number') throw failure(answer);
  const type = answer.conclusionType;
  if (type === 4) throw vendorFailed('baidu', `conclusion ${answer.conclusion ?? '审核失败'}, log_id ${answer.log_id ?? '?'}`);
  if (type !== 1 && type !== 2 && type !== 3) throw malformed('baidu', `conclusionType ${JSON.stringify(type)}`);
  if (answer.data !== undefined && !Array.isArray(answer.data)) throw malformed('baidu', 'data is not a list');
  const items = answer.data ?? [];
  let porn = 0;
  let sexy = 0;
  for (const item of items) {
    if (item.type !== 1 || typeof item.probability !== 'number') continue;
    if (/性感|低俗/.test(item.msg ?? '')) sexy = Math.max(sexy, item.probability);
    else porn = Math.max(porn, item.probability);
  }
  const categories = { porn: round4(porn), sexy: round4(sexy), normal: round4(1 - Math.max(porn, sexy)) };
  const label = topLabel(categories);
  const notes = [...image.notes];
  const others = [...new Set(items.filter((item) => item.type !== 1).map((item) => item.type))];
  if (type !== 1 && others.length > 0) {
    notes.push(`Baidu's conclusion covers every dimension its strategy checks; this one also rests on data types ${others.join(', ')}, not pornography (type 1).`);
  }
  return {
    code: 200,
    desc: 'success',
    backend: 'baidu',
    input: image.info,
    decision: type === 1 ? 'pass' : type === 2 ? 'block' : 'review',
    label,
    score: categories[label],
    categories,
    detections: [],
    raw: { baidu: answer },
    notes,
    tips: '',
  };
}

export async function callBaidu(settings: Record<string, string>, image: LoadedImage, signal: AbortSignal): Promise<Omit<ModerationResult, 'elapsed_ms'>> {
  const base = settings.VEIL_GATEWAY_BAIDU_ENDPOINT || BAIDU_ENDPOINT;
  const apiKey = settings.VEIL_GATEWAY_BAIDU_API_KEY!;
  const secretKey = settings.VEIL_GATEWAY_BAIDU_SECRET_KEY!;
  const form: Record<string, string> = image.info.type === 'url' ? { imgUrl: image.info.source } : { image: Buffer.from(image.bytes).toString('base64') };
  const body = new URLSearchParams(form).toString();
  const ask = async (fresh: boolean) => {
    const url = new URL(BAIDU_CENSOR_PATH, base);
    url.search = new URLSearchParams({ access_token: await token(base, apiKey, secretKey, signal, fresh) }).toString();
    const { body: answer } = await postToCloud('baidu', url, { headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body }, signal);
    return answer as BaiduAnswer;
  };
  let answer = await ask(false);
  if (typeof answer.error_code === 'number' && TOKEN_ERRORS.has(answer.error_code)) answer = await ask(true);
  return mapBaidu(answer, image);
}
