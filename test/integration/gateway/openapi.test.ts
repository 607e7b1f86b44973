/**
 * GET /openapi.json: an OpenAPI 3.1 document that a maintained validator
 * accepts, covering every route the server answers and every code it sends;
 * and the drift check the gateway test helpers run on each answer (support/openapi.ts)
 * refusing answers the document does not describe.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODES_BY_STATUS, ERROR_CODES } from '../../../gateway/openapi.js';
import { ENDPOINT, HASH_ENDPOINT } from '../../../gateway/server.js';
import { answerOf, imageBytes, postJson, startTestGateway } from '../../support/gateway.js';
import { checkAgainstOpenApi } from '../../support/openapi.js';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gateway = await startTestGateway(['--cache-ttl', '60']);
});
afterAll(() => gateway.close());

describe('/openapi.json', () => {
  it('is served without a key and is a valid OpenAPI 3.1 document, its references resolved', async () => {
    const answer = await answerOf(await fetch(`${gateway.url}/openapi.json`), 'GET');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const validator = new Validator();
    const result = await validator.validate(answer.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
    const paths = answer.body.paths;
    expect(Object.keys(paths).sort()).toEqual([ENDPOINT, HASH_ENDPOINT, '/healthz', '/metrics', '/openapi.json', '/readyz'].sort());
    // The key in header or query as security schemes, and as a form field in the request bodies.
    expect(answer.body.components.securitySchemes).toEqual({
      ApiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      ApiKeyQuery: { type: 'apiKey', in: 'query', name: 'apikey' },
    });
    expect(Object.keys(paths[ENDPOINT].post.requestBody.content)).toEqual(['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']);
    expect(answer.body.components.schemas.DetectForm.properties.apikey).toEqual({ type: 'string' });
    expect(Object.keys(answer.body.components.schemas.Result.properties)).toEqual(expect.arrayContaining(['animation', 'video']));
    expect(Object.keys(paths[ENDPOINT].post.responses['200'].headers)).toEqual(
      expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy', 'X-Quota-Limit', 'X-Quota-Remaining', 'X-Quota-Reset']),
    );
    expect(Object.keys(paths[ENDPOINT].post.responses['429'].headers)).toContain('Retry-After');
  });

  it('lists keyless calls among the ways in only when --anonymous-daily allows them', async () => {
    const security = (await (await fetch(`${gateway.url}/openapi.json`)).json()).paths[ENDPOINT].post.security;
    expect(security).toEqual([{ ApiKeyHeader: [] }, { ApiKeyQuery: [] }]);
    const open = await startTestGateway(['--anonymous-daily', '10'], { model: null });
    try {
      const document = await (await fetch(`${open.url}/openapi.json`)).json();
      expect(document.paths[ENDPOINT].post.security).toEqual([{ ApiKeyHeader: [] }, { ApiKeyQuery: [] }, {}]);
      expect(document.info.description).toMatch(/Without a key, a call is allowed 10 times a UTC day per client address/);
    } finally {
      await open.close();
    }
  });

  it('lists every code with its HTTP status, each code under the statuses the server sends it with', () => {
    const documented = Object.values(CODES_BY_STATUS).flat();
    expect(new Set(documented)).toEqual(new Set(Object.keys(ERROR_CODES).map(Number)));
    expect(CODES_BY_STATUS[401]).toEqual([4015]);
    expect(CODES_BY_STATUS[429]).toEqual([4029]);
    expect(CODES_BY_STATUS[503]).toEqual([5020, 5021, 5024, 5025]);
  });

  it('describes the operations answers: health, readiness, metrics, a result and the look-up', async () => {
    expect((await answerOf(await fetch(`${gateway.url}/readyz`), 'GET')).status).toBe(200);
    const metrics = await fetch(`${gateway.url}/metrics`);
    checkAgainstOpenApi(metrics.url, 'GET', metrics.status, metrics.headers.get('content-type'), await metrics.text());
    const image_b64 = imageBytes('portrait-480x640.png').toString('base64');
    const first = await postJson(gateway.endpoint, { image_b64 });
    expect(first.status).toBe(200);
    const hash = await postJson(`${gateway.url}${HASH_ENDPOINT}`, { sha256: first.body.input.sha256 });
    expect(hash.status).toBe(200);
    const unseen = await postJson(`${gateway.url}${HASH_ENDPOINT}`, { sha256: '0'.repeat(64) });
    expect([unseen.status, unseen.body.code]).toEqual([404, 4040]);
  });
});

describe('the drift check', () => {
  const url = `http://gateway${ENDPOINT}`;
  const result = {
    code: 200,
    desc: 'success',
    backend: 'nudenet',
    elapsed_ms: 5,
    input: { type: 'base64', source: 'base64', size_bytes: 10, sha256: 'a'.repeat(64), mime: 'image/png', width: 1, height: 1 },
    decision: 'pass',
    label: 'normal',
    score: 1,
    categories: { porn: 0, sexy: 0, normal: 1 },
    detections: [],
    raw: {},
    notes: [],
    tips: '',
  };

  it('accepts a result as documented, with animation', () => {
    expect(() => checkAgainstOpenApi(url, 'POST', 200, 'application/json', { ...result, animation: { frames: 3, scanned: 3, decided_by: 0 } })).not.toThrow();
  });

  it.each([
    ['a result without its label', 200, { ...result, label: undefined }],
    ['a result with a field the document lacks', 200, { ...result, extra: 1 }],
    ['a score above 1', 200, { ...result, score: 1.5 }],
    ['4029 under HTTP 400', 400, { code: 4029, desc: 'x' }],
    ['a status the operation does not list', 418, { code: 4000, desc: 'x' }],
    ['an error without desc', 401, { code: 4015 }],
  ])('refuses %s', (_what, status, body) => {
    expect(() => checkAgainstOpenApi(url, 'POST', status, 'application/json', JSON.parse(JSON.stringify(body)))).toThrow(/OpenAPI drift/);
  });

  it('refuses an undocumented path answered with anything but 404', () => {
    expect(() => checkAgainstOpenApi('http://gateway/api/other', 'POST', 200, 'application/json', {})).toThrow(/OpenAPI drift/);
    expect(() => checkAgainstOpenApi('http://gateway/api/other', 'POST', 404, 'application/json', { code: 4044, desc: 'x' })).not.toThrow();
  });
});
