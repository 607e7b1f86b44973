/**
 * Cloud backends, called only with credentials from this server's environment.
 *
 * tencent: Tencent Cloud IMS `ImageModeration` (2020-12-29), signed with
 *   TC3-HMAC-SHA256. UNTESTED AGAINST THE REAL SERVICE (no internet where it was
 *   written): the signing follows Tencent's published algorithm and the tests
 *   check it and the answer mapping against a loopback server, not Tencent.
 * baidu, aliyun: their credentials are recognised (so 4011 tells an operator
 *   what to set), but calling them is not implemented; a request for them is
 *   answered 5021 saying so, and `auto` never picks them.
 */
import { createHash, createHmac } from 'node:crypto';
import { ErrorCodes, VeilError } from '../src/errors.js';
import type { Decision, Label, ModerationResult } from '../src/result.js';
import type { CloudBackend } from './backends.js';
import type { LoadedImage } from './image-input.js';

export const TENCENT_ENDPOINT = 'https://ims.tencentcloudapi.com';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/** Tencent's TC3-HMAC-SHA256 headers for one JSON POST (exported for tests). */
export function tencentHeaders(options: {
  secretId: string;
  secretKey: string;
  service: string;
  host: string;
  action: string;
  version: string;
  region: string;
  payload: string;
  timestamp: number;
}): Record<string, string> {
  const { secretId, secretKey, service, host, action, version, region, payload, timestamp } = options;
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const contentType = 'application/json; charset=utf-8';
  // The two headers Tencent requires signed; its published test vector signs exactly these.
  const canonicalHeaders = `content-type:${contentType}\nhost:${host}\n`;
  const signedHeaders = 'content-type;host';
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256(payload)}`;
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256(canonicalRequest)}`;
  const signingKey = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return {
    authorization: `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    'content-type': contentType,
    host,
    'x-tc-action': action,
    'x-tc-timestamp': String(timestamp),
    'x-tc-version': version,
    'x-tc-region': region,
  };
}

interface TencentAnswer {
  Response?: {
    Error?: { Code?: string; Message?: string };
    Suggestion?: string;
    Label?: string;
    Score?: number;
    LabelResults?: { Scene?: string; Suggestion?: string; Label?: string; Score?: number }[];
  };
}

/** Tencent's answer in the image-nsfw result schema: its porn scene's verdict, categories derived from its one score. */
export function mapTencent(answer: TencentAnswer, image: LoadedImage): Omit<ModerationResult, 'elapsed_ms'> {
  const response = answer.Response;
  if (!response || response.Error || !response.Suggestion) {
    const error = response?.Error;
    throw new VeilError(
      ErrorCodes.REMOTE_UNREACHABLE,
      `The tencent backend answered with an error (${error?.Code ?? 'no Response'}: ${error?.Message ?? 'unexpected body'}).`,
    );
  }
  const scene = response.LabelResults?.find((r) => r.Scene === 'Porn');
  const tencentLabel = scene?.Label ?? response.Label ?? 'Normal';
  const suggestion = (scene?.Suggestion ?? response.Suggestion).toLowerCase();
  const decision: Decision = suggestion === 'block' ? 'block' : suggestion === 'review' ? 'review' : 'pass';
  const label: Label = tencentLabel === 'Porn' ? 'porn' : tencentLabel === 'Sexy' ? 'sexy' : 'normal';
  const confidence = Math.min(1, Math.max(0, (scene?.Score ?? response.Score ?? 0) / 100));
  const categories = {
    porn: label === 'porn' ? confidence : 0,
    sexy: label === 'sexy' ? confidence : 0,
    normal: label === 'normal' ? 1 : Math.round((1 - confidence) * 1e4) / 1e4,
  };
  return {
    code: 200,
    desc: 'success',
    backend: 'tencent',
    input: image.info,
    decision,
    label,
    score: categories[label],
    categories,
    detections: [],
    raw: { tencent: response },
    notes: [...image.notes, 'Tencent gives one label and score; the other categories are derived from them.'],
    tips: '',
  };
}

async function callTencent(settings: Record<string, string>, image: LoadedImage, signal: AbortSignal) {
  const endpoint = new URL(settings.VEIL_GATEWAY_TENCENT_ENDPOINT || TENCENT_ENDPOINT);
  const payload = JSON.stringify({ FileContent: Buffer.from(image.bytes).toString('base64') });
  const headers = tencentHeaders({
    secretId: settings.VEIL_GATEWAY_TENCENT_SECRET_ID!,
    secretKey: settings.VEIL_GATEWAY_TENCENT_SECRET_KEY!,
    service: 'ims',
    host: endpoint.host,
    action: 'ImageModeration',
    version: '2020-12-29',
    region: settings.VEIL_GATEWAY_TENCENT_REGION || 'ap-guangzhou',
    payload,
    timestamp: Math.floor(Date.now() / 1000),
  });
  let answer: TencentAnswer;
  try {
    // fetch derives Host from the URL, the same value that was signed.
    const { host: _signedHost, ...send } = headers;
    const response = await fetch(endpoint, { method: 'POST', headers: send, body: payload, signal });
    answer = (await response.json()) as TencentAnswer;
  } catch (error) {
    throw new VeilError(ErrorCodes.REMOTE_UNREACHABLE, `The tencent backend could not be reached (${(error as Error).message}).`, { cause: error });
  }
  return mapTencent(answer, image);
}

/** Calls a configured cloud backend; `settings` are its VEIL_GATEWAY_* variables. */
export async function callCloud(
  backend: CloudBackend,
  settings: Record<string, string>,
  image: LoadedImage,
  signal: AbortSignal,
): Promise<Omit<ModerationResult, 'elapsed_ms'>> {
  if (backend === 'tencent') return callTencent(settings, image, signal);
  throw new VeilError(
    ErrorCodes.REMOTE_UNREACHABLE,
    `Calling the ${backend} backend is not implemented in this gateway, although its credentials are set: use backend nudenet or tencent.`,
  );
}
