/**
 * `GET /openapi.json`: the gateway's OpenAPI 3.1 document, as the image-nsfw
 * gateway API offers one to import into Postman, Insomnia or Apifox. It is
 * built from the same constants the server answers with (paths, codes, HTTP
 * statuses, parameter bounds), and the test suite validates every answer its
 * gateway tests receive against it (test/support/openapi.ts), so the document
 * and the server cannot drift apart unnoticed.
 */
import { type ErrorCode, ErrorCodes } from '../src/errors.js';
import { CLOUD_BACKENDS } from './backends.js';
import { DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S, MIN_TIMEOUT_S } from './params.js';

const ENDPOINT = '/api/image-nsfw';

const code = (c: ErrorCode) => Number(c);
const E = ErrorCodes;

/** Every code an answer's body may carry, with when; 200 is the result. Each is one of src/errors.ts's ErrorCodes. */
export const ERROR_CODES: Record<number, string> = {
  [code(E.BAD_INPUT)]:
    'Bad request: no image or two, malformed JSON or multipart, bad base64, a non-string field, timeout out of range, a method other than POST (HTTP 405) or a Content-Type other than JSON, form or multipart (HTTP 415).',
  [code(E.BAD_OPTION)]: 'backend is not one this gateway offers.',
  [code(E.UNSUPPORTED_FORMAT)]: 'The bytes are not JPEG, PNG, WebP, GIF, BMP or AVIF.',
  [code(E.DECODE_FAILED)]: 'The image is truncated or corrupt.',
  [code(E.TOO_LARGE)]: 'The body, the image or its pixel count is over the limit.',
  [code(E.FETCH_FAILED)]: 'image_url could not be fetched (by the gateway, or by the cloud backend that was given it).',
  [code(E.URL_REFUSED)]: 'image_url was refused: not http(s), or a non-public address.',
  [code(E.MISSING_CREDENTIALS)]: 'The cloud backend asked for has no credentials on this gateway.',
  [code(E.BAD_API_KEY)]: 'The API key is missing or wrong.',
  [code(E.RATE_LIMITED)]: "A rate limit or daily allowance is reached (the key's, the keyless address's, or the cloud backend's own quota); Retry-After says when to retry.",
  [code(E.HASH_NOT_SEEN)]: 'The hash look-up has not seen this image: send the image itself.',
  [code(E.NOT_FOUND)]: 'No such path.',
  [code(E.INTERNAL)]: 'A bug; the server logs it.',
  [code(E.NO_BACKEND)]: 'backend=auto and nothing to run: no model, no classifier and no cloud backend with credentials.',
  [code(E.REMOTE_UNREACHABLE)]:
    'The backend asked for cannot answer: no model, its model failing on the image, a cloud backend unreachable, refusing its credentials or answering something unreadable, or Redis unreachable for a counted allowance.',
  [code(E.BUSY)]: 'The gateway is too busy to take the call (connections or requests at once at their cap) or still loading its models; Retry-After says when to retry.',
  [code(E.TIMED_OUT)]: "The request's timeout ran out while its image waited for or went through the gateway's decoder or its own models: retry later or raise timeout.",
};

/** Which codes each HTTP status carries (docs/gateway-server.md, "Statuses and codes"). */
export const CODES_BY_STATUS: Record<number, number[]> = {
  400: [E.BAD_INPUT, E.BAD_OPTION, E.URL_REFUSED, E.MISSING_CREDENTIALS].map(code),
  401: [code(E.BAD_API_KEY)],
  404: [E.HASH_NOT_SEEN, E.NOT_FOUND].map(code),
  405: [code(E.BAD_INPUT)],
  413: [code(E.TOO_LARGE)],
  415: [E.BAD_INPUT, E.UNSUPPORTED_FORMAT].map(code),
  422: [E.DECODE_FAILED, E.FETCH_FAILED].map(code),
  429: [code(E.RATE_LIMITED)],
  500: [code(E.INTERNAL)],
  503: [E.NO_BACKEND, E.REMOTE_UNREACHABLE, E.BUSY, E.TIMED_OUT].map(code),
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const header = (description: string, type: 'integer' | 'string' = 'string') => ({ description, schema: { type } });

const RATE_HEADERS = {
  'RateLimit-Limit': { $ref: '#/components/headers/RateLimit-Limit' },
  'RateLimit-Remaining': { $ref: '#/components/headers/RateLimit-Remaining' },
  'RateLimit-Reset': { $ref: '#/components/headers/RateLimit-Reset' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
  'X-Quota-Limit': { $ref: '#/components/headers/X-Quota-Limit' },
  'X-Quota-Remaining': { $ref: '#/components/headers/X-Quota-Remaining' },
  'X-Quota-Reset': { $ref: '#/components/headers/X-Quota-Reset' },
};

function errorResponses(statuses: number[], extra: Record<number, Record<string, unknown>> = {}) {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: CODES_BY_STATUS[status]!.map((code) => `${code}: ${ERROR_CODES[code]}`).join(' '),
        headers: { ...(status === 429 || status === 503 ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : {}), ...extra[status] },
        content: { 'application/json': { schema: { allOf: [ref('Error'), { properties: { code: { enum: CODES_BY_STATUS[status] } } }] } } },
      },
    ]),
  );
}

const imageProperties = {
  image_url: { type: 'string', description: 'An http(s) URL of the image; the gateway checks the address is public before fetching it (or handing it to a cloud backend).', examples: ['https://example.com/photo.jpg'] },
  image_b64: { type: 'string', description: 'The image as base64, or a data URI.' },
  backend: {
    type: 'string',
    default: 'auto',
    description: `auto, nudenet (alias local), the classifier's name, nudenet+<classifier>, ${CLOUD_BACKENDS.join(', ')}. Case-insensitive; an empty string is auto.`,
  },
  timeout: {
    description: `Whole seconds from ${MIN_TIMEOUT_S} to ${MAX_TIMEOUT_S} for download, decoding and inference (default ${DEFAULT_TIMEOUT_S}); an empty string counts as absent.`,
    oneOf: [
      { type: 'integer', minimum: MIN_TIMEOUT_S, maximum: MAX_TIMEOUT_S },
      { type: 'string', pattern: '^\\s*\\d*\\s*$' },
    ],
  },
};

/** The document; `anonymousDaily` > 0 adds keyless calls (--anonymous-daily) to its security. */
export function openApiDocument(options: { anonymousDaily?: number } = {}) {
  const anonymous = (options.anonymousDaily ?? 0) > 0;
  const security = [{ ApiKeyHeader: [] }, { ApiKeyQuery: [] }, ...(anonymous ? [{}] : [])];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Veil gateway (image-nsfw gateway API)',
      version: '1.0.0',
      description:
        'NSFW screening of one image per call: NudeNet (and an optional whole-image classifier) run locally, or a cloud backend (baidu, tencent, aliyun) with credentials from the server\'s environment. ' +
        'Every failure answers {code, desc}; 4xxx codes come with a 4xx status and 5xxx with a 5xx one. ' +
        'The key goes in the X-Api-Key header, the apikey query parameter, or an apikey form field placed before the image.' +
        (anonymous ? ` Without a key, a call is allowed ${options.anonymousDaily} times a UTC day per client address (an IPv6 address by its /64).` : ''),
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'screening' }, { name: 'operations' }],
    paths: {
      [ENDPOINT]: {
        post: {
          tags: ['screening'],
          operationId: 'detectImage',
          summary: 'Screen one image',
          security,
          parameters: [{ $ref: '#/components/parameters/apikey' }],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('DetectRequest') },
              'application/x-www-form-urlencoded': { schema: ref('DetectForm') },
              'multipart/form-data': { schema: ref('DetectUpload') },
            },
          },
          responses: {
            '200': {
              description: 'The result.',
              headers: {
                ...RATE_HEADERS,
                'X-Cache': { $ref: '#/components/headers/X-Cache' },
                'X-Hash-Lookup': { $ref: '#/components/headers/X-Hash-Lookup' },
              },
              content: { 'application/json': { schema: ref('Result') } },
            },
            ...errorResponses([400, 401, 405, 413, 415, 422, 429, 500, 503], { 401: { 'WWW-Authenticate': { $ref: '#/components/headers/WWW-Authenticate' } } }),
          },
        },
      },
      [`${ENDPOINT}/hash`]: {
        post: {
          tags: ['screening'],
          operationId: 'lookUpHash',
          summary: 'The result already known for an image, by its SHA-256 (takes nothing from the daily allowance)',
          security,
          parameters: [{ $ref: '#/components/parameters/apikey' }],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('HashRequest') },
              'application/x-www-form-urlencoded': { schema: ref('HashRequest') },
            },
          },
          responses: {
            '200': { description: 'The cached result; input.sha256 is the hash asked for.', headers: RATE_HEADERS, content: { 'application/json': { schema: ref('Result') } } },
            ...errorResponses([400, 401, 404, 405, 413, 415, 429, 500, 503]),
          },
        },
      },
      '/healthz': {
        get: {
          tags: ['operations'],
          operationId: 'health',
          summary: 'Alive, with the backends and the load; no key',
          security: [],
          responses: { '200': { description: 'Always, while the process answers.', content: { 'application/json': { schema: ref('Health') } } } },
        },
      },
      '/readyz': {
        get: {
          tags: ['operations'],
          operationId: 'readiness',
          summary: 'Ready to take traffic; no key',
          security: [],
          responses: {
            '200': { description: 'Ready.', content: { 'application/json': { schema: ref('Readiness') } } },
            '503': { description: 'Not ready: the models are loading, Redis is unreachable, or the instance is stopping.', content: { 'application/json': { schema: ref('Readiness') } } },
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['operations'],
          operationId: 'metrics',
          summary: "This instance's Prometheus metrics; no key",
          security: [],
          responses: { '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/openapi.json': {
        get: {
          tags: ['operations'],
          operationId: 'openapi',
          summary: 'This document; no key',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } } } },
        },
      },
    },
    components: {
      securitySchemes: {
        ApiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        ApiKeyQuery: { type: 'apiKey', in: 'query', name: 'apikey' },
      },
      parameters: {
        apikey: { name: 'apikey', in: 'query', required: false, description: 'The API key, when not in X-Api-Key (it can also be an apikey form field, first in the body).', schema: { type: 'string' } },
      },
      headers: {
        'RateLimit-Limit': header("The caller's burst: calls it may make at once.", 'integer'),
        'RateLimit-Remaining': header('What is left of that burst now.', 'integer'),
        'RateLimit-Reset': header('Whole seconds until the burst is full again.', 'integer'),
        'RateLimit-Policy': header('The rate, e.g. "2;w=1": 2 calls per 1 s.'),
        'X-Quota-Limit': header("The caller's daily allowance (absent without one).", 'integer'),
        'X-Quota-Remaining': header('Calls left today.', 'integer'),
        'X-Quota-Reset': header('When the allowance resets: midnight UTC, e.g. 2026-11-30T00:00:00Z.'),
        'Retry-After': header('Whole seconds to wait before retrying.', 'integer'),
        'X-Cache': header('hit or miss, when the gateway keeps results.'),
        'X-Hash-Lookup': header('sha256 when the gateway offers the hash look-up.'),
        'WWW-Authenticate': header('Where to put the key.'),
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'desc'],
          additionalProperties: false,
          properties: {
            code: { type: 'integer', enum: Object.keys(ERROR_CODES).map(Number), description: Object.entries(ERROR_CODES).map(([code, when]) => `${code}: ${when}`).join(' ') },
            desc: { type: 'string', description: 'One sentence: what went wrong and what to do.' },
          },
        },
        DetectRequest: {
          type: 'object',
          description: 'Exactly one of image_url and image_b64.',
          properties: imageProperties,
        },
        DetectForm: {
          type: 'object',
          description: 'As the JSON body; a key sent as the apikey field must come first, within the first 4 KB of the body.',
          properties: { apikey: { type: 'string' }, ...imageProperties },
        },
        DetectUpload: {
          type: 'object',
          description: 'One file part under any name, or image_url / image_b64 fields; a key sent as the apikey field must come before the file.',
          properties: { apikey: { type: 'string' }, image: { type: 'string', contentMediaType: 'application/octet-stream' }, ...imageProperties },
        },
        HashRequest: {
          type: 'object',
          required: ['sha256'],
          properties: { sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' }, backend: imageProperties.backend },
        },
        Result: {
          type: 'object',
          additionalProperties: false,
          required: ['code', 'desc', 'backend', 'elapsed_ms', 'input', 'decision', 'label', 'score', 'categories', 'detections', 'raw', 'notes', 'tips'],
          properties: {
            code: { const: 200 },
            desc: { const: 'success' },
            backend: { type: 'string', description: 'What answered: nudenet, the classifier, nudenet+<classifier>, baidu, tencent or aliyun.' },
            elapsed_ms: { type: 'number', minimum: 0 },
            input: ref('Input'),
            decision: ref('Decision'),
            label: ref('Label'),
            score: { type: 'number', minimum: 0, maximum: 1, description: 'categories[label].' },
            categories: {
              type: 'object',
              additionalProperties: false,
              required: ['porn', 'sexy', 'normal'],
              properties: { porn: ref('Probability'), sexy: ref('Probability'), normal: ref('Probability') },
            },
            detections: { type: 'array', items: ref('Detection'), description: "NudeNet's part detections; empty for cloud backends and a classifier alone." },
            raw: {
              type: 'object',
              description: 'Each backend\'s own answer: nudenet, classifier ({model, probabilities}), baidu, tencent or aliyun (the vendor\'s whole answer).',
              properties: {
                nudenet: { type: 'array', items: { type: 'object', required: ['class', 'score', 'box'], properties: { class: { type: 'string' }, score: { type: 'number' }, box: ref('Box') } } },
                classifier: { type: 'object', required: ['model', 'probabilities'], properties: { model: { type: 'string' }, probabilities: { type: 'object', additionalProperties: { type: 'number' } } } },
                baidu: { type: 'object' },
                tencent: { type: 'object' },
                aliyun: { type: 'object' },
              },
            },
            notes: { type: 'array', items: { type: 'string' } },
            tips: { type: 'string' },
            animation: ref('Animation'),
            video: ref('Video'),
          },
        },
        Input: {
          type: 'object',
          required: ['type', 'source', 'size_bytes', 'sha256', 'mime', 'width', 'height'],
          properties: {
            type: { enum: ['file', 'blob', 'bytes', 'url', 'base64', 'image', 'canvas', 'bitmap', 'imagedata', 'video'] },
            source: { type: 'string' },
            size_bytes: { type: 'integer', minimum: 0 },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            mime: { type: ['string', 'null'] },
            width: { type: 'integer', minimum: 0 },
            height: { type: 'integer', minimum: 0 },
          },
        },
        Decision: { enum: ['block', 'review', 'pass'] },
        Label: { enum: ['porn', 'sexy', 'normal'] },
        Probability: { type: 'number', minimum: 0, maximum: 1 },
        Box: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4, description: '[x, y, width, height] in image pixels.' },
        Detection: {
          type: 'object',
          additionalProperties: false,
          required: ['cls', 'score', 'box'],
          properties: { cls: { type: 'string' }, score: ref('Probability'), box: ref('Box') },
        },
        Animation: {
          type: 'object',
          description: 'Present for animated GIF and WebP.',
          required: ['frames', 'scanned', 'decided_by'],
          properties: { frames: { type: 'integer', minimum: 1 }, scanned: { type: 'integer', minimum: 0 }, decided_by: { type: 'integer', minimum: 0 } },
        },
        Video: {
          type: 'object',
          description: 'Present on results for a video clip.',
          required: ['duration_s', 'width', 'height', 'mime', 'codec', 'frames_scanned', 'decided_at_s', 'frames'],
          properties: {
            duration_s: { type: 'number', minimum: 0 },
            width: { type: 'integer' },
            height: { type: 'integer' },
            mime: { type: 'string' },
            codec: { type: 'string' },
            frames_scanned: { type: 'integer', minimum: 0 },
            decided_at_s: { type: 'number', minimum: 0 },
            frames: {
              type: 'array',
              items: {
                type: 'object',
                required: ['time_s', 'decision', 'score', 'detections'],
                properties: { time_s: { type: 'number' }, decision: ref('Decision'), score: ref('Probability'), detections: { type: 'integer', minimum: 0 } },
              },
            },
          },
        },
        Health: {
          type: 'object',
          required: ['status', 'backends', 'load'],
          properties: {
            status: { const: 'ok' },
            backends: { type: 'object', additionalProperties: { type: 'boolean' }, description: 'Each backend and whether it can answer (cloud ones: whether their credentials are set).' },
            load: { type: 'object', description: 'Connections, requests in flight, and the queues of decoding, inference and DNS.' },
          },
        },
        Readiness: {
          type: 'object',
          required: ['status'],
          properties: { status: { enum: ['ready', 'not ready'] }, reasons: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  };
}
