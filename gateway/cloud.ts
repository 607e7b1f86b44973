/**
 * Cloud backends, called only with credentials from this server's environment:
 * baidu (baidu.ts), aliyun (aliyun.ts) and tencent (here).
 *
 * tencent: Tencent Cloud IMS `ImageModeration` (2020-12-29), signed with
 *   TC3-HMAC-SHA256 by hand rather than with tencentcloud-sdk-nodejs-ims, whose
 *   common package brings node-fetch 2, form-data, https-proxy-agent and six
 *   more packages for what is one HMAC chain. The signature is checked byte for byte against the worked
 *   example in Tencent's "Signature v3" document (its canonical request,
 *   string to sign and signature). UNTESTED AGAINST THE REAL SERVICE (no
 *   internet where it was written): the call and its answers are tested against
 *   a loopback stand-in that speaks the documented wire format and checks the signature.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Decision, Label, ModerationResult } from '../src/result.js';
import { callAliyun } from './aliyun.js';
import { callBaidu } from './baidu.js';
import type { BackendChoice, CloudBackend } from './backends.js';
import { malformed, postToCloud, refusedCredentials, vendorFailed, vendorQuota } from './cloud-http.js';
import type { GatewayConfig } from './config.js';
import type { LoadedImage } from './image-input.js';

export const TENCENT_ENDPOINT = 'https://ims.tencentcloudapi.com';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/** Tencent's TC3-HMAC-SHA256 headers for one JSON POST. */
export const tencentHeaders = (options: Tc3Options): Record<string, string> => tc3(options).headers;

interface Tc3Options {
  secretId: string;
  secretKey: string;
  service: string;
  host: string;
  action: string;
  version: string;
  region: string;
  payload: string;
  timestamp: number;
}

/** The signature's steps, each comparable with Tencent's worked example (exported for tests). */
export function tc3(options: Tc3Options): { canonicalRequest: string; stringToSign: string; headers: Record<string, string> } {
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
  const headers = {
    authorization: `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    'content-type': contentType,
    host,
    'x-tc-action': action,
    'x-tc-timestamp': String(timestamp),
    'x-tc-version': version,
    'x-tc-region': region,
  };
  return { canonicalRequest, stringToSign, headers };
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

/** Tencent's error codes (common to its APIs) in the gateway's terms. */
function tencentFailure(code: string, message: string): Error {
  const detail = `${code}: ${message.slice(0, 120)}`;
  if (code.startsWith('AuthFailure') || code.startsWith('UnauthorizedOperation')) return refusedCredentials('tencent', detail);
  if (code.startsWith('RequestLimitExceeded')) return vendorQuota('tencent', detail, 1);
  if (code.startsWith('LimitExceeded') || code.startsWith('ResourceUnavailable.InArrears') || code.startsWith('ResourceInsufficient')) {
    return vendorQuota('tencent', detail, 3600);
  }
  return vendorFailed('tencent', detail);
}

/** Tencent's answer in the image-nsfw result schema: its porn scene's verdict, categories derived from its one score. */
export function mapTencent(answer: TencentAnswer, image: LoadedImage): Omit<ModerationResult, 'elapsed_ms'> {
  const response = answer.Response;
  if (!response || typeof response !== 'object') throw malformed('tencent', 'no Response');
  if (response.Error) throw tencentFailure(String(response.Error.Code ?? 'no Code'), String(response.Error.Message ?? ''));
  if (typeof response.Suggestion !== 'string') throw malformed('tencent', 'no Suggestion');
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
  // fetch derives Host from the URL, the same value that was signed.
  const { host: _signedHost, ...send } = headers;
  const { body } = await postToCloud('tencent', endpoint, { headers: send, body: payload }, signal);
  return mapTencent(body as TencentAnswer, image);
}

/** Calls a configured cloud backend; `settings` are its VEIL_GATEWAY_* variables. */
export async function callCloud(
  backend: CloudBackend,
  settings: Record<string, string>,
  image: LoadedImage,
  signal: AbortSignal,
): Promise<Omit<ModerationResult, 'elapsed_ms'>> {
  if (backend === 'baidu') return callBaidu(settings, image, signal);
  if (backend === 'aliyun') return callAliyun(settings, image, signal);
  return callTencent(settings, image, signal);
}

/**
 * The cloud backend chosen, and for `auto` the next ones with credentials
 * when it fails: each failure becomes a note on the answer that follows, and
 * the last one's error is the answer when none succeeds.
 */
export async function callClouds(
  choice: Extract<BackendChoice, { cloud: CloudBackend }>,
  config: Pick<GatewayConfig, 'cloud'>,
  image: LoadedImage,
  signal: AbortSignal,
): Promise<Omit<ModerationResult, 'elapsed_ms'>> {
  const order = [choice.cloud, ...(choice.fallbacks ?? [])];
  const skipped: string[] = [];
  for (const [i, backend] of order.entries()) {
    try {
      const answer = await callCloud(backend, config.cloud[backend]!, image, signal);
      return skipped.length ? { ...answer, notes: [...skipped, ...answer.notes] } : answer;
    } catch (error) {
      if (i === order.length - 1 || signal.aborted) throw error;
      skipped.push(`backend auto: ${backend} could not answer (${(error as Error).message}) so ${order[i + 1]} was asked.`);
    }
  }
  throw new Error('unreachable: the loop returns or throws');
}
