/**
 * aliyun: Alibaba Cloud Content Moderation 2.0, `ImageModeration` (API version
 * 2022-03-02, an RPC-style API on `green-cip.<region>.aliyuncs.com`) with the
 * `baselineCheck` service, signed with Alibaba Cloud's V3 signature
 * (ACS3-HMAC-SHA256).
 *
 * Signed here rather than with Alibaba's SDK: its Green 2022-03-02 client is
 * not published on npm (the registry answers 404 for @alicloud/green20220302),
 * and the generic @alicloud/openapi-client pulls in six @alicloud packages for
 * what is one HMAC. The signature is checked byte for byte against the worked
 * example in Alibaba Cloud's "V3 request structure and signature" document
 * (its canonical request hash and signature). UNTESTED AGAINST THE REAL SERVICE
 * (no internet where it was written): the call is tested against a loopback
 * stand-in that speaks the documented wire format and checks the signature.
 *
 * - `Service` and `ServiceParameters` (JSON: `imageUrl`, `dataId`) travel in the
 *   query, with an empty body, as the RPC style puts them.
 * - Aliyun reads an image from a URL or from its own object storage (OSS):
 *   `image_url` passes straight through (after the gateway's own address checks
 *   and download, which give the answer's `input`); `image_b64` and uploads are
 *   refused (4000), because uploading to OSS first (a temporary upload token,
 *   then an OSS PUT) could not be tested against Aliyun from here.
 * - `RiskLevel` high is block, medium review, low and none pass. Labels of the
 *   `pornographic_` family count as porn, of the `sexual_` family as sexy, each
 *   at its `Confidence` (0 to 100) over 100; `nonLabel` is normal.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { ErrorCodes } from '../src/errors.js';
import type { ModerationResult } from '../src/result.js';
import {
  CloudError,
  malformed,
  postToCloud,
  refusedCredentials,
  round4,
  topLabel,
  vendorCouldNotFetch,
  vendorFailed,
  vendorQuota,
} from './cloud-http.js';
import type { LoadedImage } from './image-input.js';

export const ALIYUN_ACTION = 'ImageModeration';
export const ALIYUN_VERSION = '2022-03-02';
export const ALIYUN_SERVICE = 'baselineCheck';
export const aliyunEndpoint = (region: string) => `https://green-cip.${region}.aliyuncs.com`;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** RFC 3986 percent-encoding, as the V3 signature asks: only A-Z a-z 0-9 - _ . ~ stay as they are. */
export const percentEncode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query parameters sorted by name and encoded: the canonical query string, which is also what is sent. */
export const canonicalQuery = (query: Record<string, string>) =>
  Object.keys(query)
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(query[name]!)}`)
    .join('&');

/** The V3 signature's headers for one request to an RPC-style API (`/`). */
export const aliyunV3Headers = (options: V3Options): Record<string, string> => aliyunV3(options).headers;

interface V3Options {
  accessKeyId: string;
  accessKeySecret: string;
  method: string;
  host: string;
  action: string;
  version: string;
  query: Record<string, string>;
  body: string;
  /** ISO 8601 UTC to the second, e.g. 2023-10-26T10:22:32Z. */
  date: string;
  nonce: string;
}

/** The signature's steps, each comparable with Alibaba Cloud's worked example (exported for tests). */
export function aliyunV3(options: V3Options): { canonicalRequest: string; stringToSign: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    host: options.host,
    'x-acs-action': options.action,
    'x-acs-content-sha256': sha256(options.body),
    'x-acs-date': options.date,
    'x-acs-signature-nonce': options.nonce,
    'x-acs-version': options.version,
  };
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${headers[name]!.trim()}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [options.method, '/', canonicalQuery(options.query), canonicalHeaders, signedHeaders, headers['x-acs-content-sha256']].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`;
  const signature = createHmac('sha256', options.accessKeySecret).update(stringToSign, 'utf8').digest('hex');
  const authorization = `ACS3-HMAC-SHA256 Credential=${options.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return { canonicalRequest, stringToSign, headers: { ...headers, authorization } };
}

interface AliyunAnswer {
  Code?: number | string;
  Msg?: string;
  Message?: string;
  RequestId?: string;
  Data?: { DataId?: string; RiskLevel?: string; Result?: { Label?: string; Confidence?: number; Description?: string }[] };
}

/** Errors of Alibaba Cloud's API gateway (string codes) that mean the credentials or their permissions. */
const AUTH = /^(InvalidAccessKeyId|InvalidAccessKeySecret|SignatureDoesNotMatch|IncompleteSignature|InvalidSecurityToken|Forbidden|AuthFailed|NoPermission|EntityNotExist\.Role)/;
/** Content Moderation's codes for an image it could not download: 401 (redirect to an unsafe address), 403, 404, 480, 592. */
const COULD_NOT_FETCH = new Set([401, 403, 404, 480, 592]);

function failure(answer: AliyunAnswer, status: number): Error {
  const code = answer.Code;
  const detail = `Code ${String(code)}: ${String(answer.Msg ?? answer.Message ?? '').slice(0, 120)}`;
  if (typeof code === 'string') {
    if (AUTH.test(code)) return refusedCredentials('aliyun', detail);
    if (code.startsWith('Throttling')) return vendorQuota('aliyun', detail, 1);
    return vendorFailed('aliyun', detail);
  }
  if (code === 588) return vendorQuota('aliyun', detail, 1);
  if (typeof code === 'number' && COULD_NOT_FETCH.has(code)) return vendorCouldNotFetch('aliyun', detail);
  if (typeof code === 'number') return vendorFailed('aliyun', detail);
  return malformed('aliyun', `HTTP ${status} without a Code`);
}

const DECISIONS: Record<string, 'block' | 'review' | 'pass'> = { high: 'block', medium: 'review', low: 'pass', none: 'pass' };

/** Aliyun's answer in the image-nsfw result schema. */
export function mapAliyun(answer: AliyunAnswer, status: number, image: LoadedImage): Omit<ModerationResult, 'elapsed_ms'> {
  if (answer.Code !== 200) throw failure(answer, status);
  const data = answer.Data;
  const decision = DECISIONS[String(data?.RiskLevel)];
  if (!data || !decision) throw malformed('aliyun', `RiskLevel ${JSON.stringify(data?.RiskLevel)}`);
  if (data.Result !== undefined && !Array.isArray(data.Result)) throw malformed('aliyun', 'Data.Result is not a list');
  let porn = 0;
  let sexy = 0;
  const others = new Set<string>();
  for (const { Label: name = '', Confidence: confidence } of data.Result ?? []) {
    const p = typeof confidence === 'number' ? confidence / 100 : 0;
    if (name.startsWith('pornographic_')) porn = Math.max(porn, p);
    else if (name.startsWith('sexual_')) sexy = Math.max(sexy, p);
    else if (name !== 'nonLabel') others.add(name);
  }
  const categories = { porn: round4(porn), sexy: round4(sexy), normal: round4(1 - Math.max(porn, sexy)) };
  const label = topLabel(categories);
  const notes = [...image.notes, 'Aliyun was given image_url and downloaded the image itself; input describes the gateway\'s own download of it.'];
  if (decision !== 'pass' && others.size > 0) notes.push(`Aliyun's risk level also rests on labels outside pornography: ${[...others].join(', ')}.`);
  return {
    code: 200,
    desc: 'success',
    backend: 'aliyun',
    input: image.info,
    decision,
    label,
    score: categories[label],
    categories,
    detections: [],
    raw: { aliyun: answer },
    notes,
    tips: '',
  };
}

export async function callAliyun(settings: Record<string, string>, image: LoadedImage, signal: AbortSignal): Promise<Omit<ModerationResult, 'elapsed_ms'>> {
  if (image.info.type !== 'url') {
    throw new CloudError(
      ErrorCodes.BAD_INPUT,
      "The aliyun backend takes image_url only: Aliyun reads images from a URL or its own object storage, and this gateway does not upload image_b64 or files to that storage because the upload flow could not be tested against Aliyun where it was built; send image_url or use another backend.",
    );
  }
  const endpoint = new URL(settings.VEIL_GATEWAY_ALIYUN_ENDPOINT || aliyunEndpoint(settings.VEIL_GATEWAY_ALIYUN_REGION || 'cn-shanghai'));
  const query = { Service: ALIYUN_SERVICE, ServiceParameters: JSON.stringify({ imageUrl: image.info.source, dataId: image.info.sha256 }) };
  const headers = aliyunV3Headers({
    accessKeyId: settings.VEIL_GATEWAY_ALIYUN_ACCESS_KEY_ID!,
    accessKeySecret: settings.VEIL_GATEWAY_ALIYUN_ACCESS_KEY_SECRET!,
    method: 'POST',
    host: endpoint.host,
    action: ALIYUN_ACTION,
    version: ALIYUN_VERSION,
    query,
    body: '',
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    nonce: randomBytes(16).toString('hex'),
  });
  const url = new URL('/', endpoint);
  url.search = canonicalQuery(query);
  // fetch derives Host from the URL, the same value that was signed.
  const { host: _signedHost, ...send } = headers;
  const { status, body } = await postToCloud('aliyun', url, { headers: { ...send, accept: 'application/json' }, body: undefined }, signal);
  return mapAliyun(body as AliyunAnswer, status, image);
}
