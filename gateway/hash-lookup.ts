/**
 * The hash look-up, in the manner of nsfw-categorize's: `POST
 * /api/image-nsfw/hash` with `{ "sha256": "<64 hex>", "backend": "auto" }`
 * answers the cached result for that image, backend and this gateway's policy,
 * or 4040 ("not seen", HTTP 404): then send the image itself. Like the cache,
 * it answers only from results of the caller's own tenant (unless the operator
 * chose `--cache-scope shared`), so a key cannot ask whether an image it never
 * sent was seen elsewhere. It costs nothing
 * from the key's daily allowance (it has a rate of its own, `--hash-qps`), so
 * a client can always ask before it uploads. Every answer of the endpoint says
 * the look-up is offered (X-Hash-Lookup), which is how the library's `gateway`
 * dialect learns to ask first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, VeilError } from '../src/errors.js';
import { chooseBackend, parseBackend } from './backends.js';
import { backendName, type DetectDeps } from './detect.js';
import type { RequestRecord } from './request-log.js';
import { bodyKind, parseBody, readBody } from './request-body.js';
import { answerFromCache } from './result-cache.js';
import { sendJson } from './responses.js';

/** The body code for "this gateway has no result for that image". */
export const NOT_SEEN = Number(ErrorCodes.HASH_NOT_SEEN);
/** The header every answer of the endpoint carries: the look-up is offered, by SHA-256. */
export const OFFERS_LOOKUP = { 'x-hash-lookup': 'sha256' };
/** A look-up body is a hash and a backend name: a few hundred bytes. */
const MAX_LOOKUP_BODY = 4096;

export async function lookUpHash(
  deps: DetectDeps,
  req: IncomingMessage,
  res: ServerResponse,
  { started, record, scope }: { started: number; record: RequestRecord; scope: string },
): Promise<void> {
  const { models, cache, config } = deps;
  const contentType = req.headers['content-type'] ?? '';
  const kind = bodyKind(contentType);
  const { fields } = await parseBody(kind, await readBody(req, MAX_LOOKUP_BODY), contentType, 4);
  const sha256 = typeof fields.sha256 === 'string' ? fields.sha256.trim().toLowerCase() : '';
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new VeilError(ErrorCodes.BAD_INPUT, 'sha256 must be the image\'s SHA-256 as 64 hexadecimal digits.');
  }
  if (fields.backend !== undefined && fields.backend !== null && typeof fields.backend !== 'string') {
    throw new VeilError(ErrorCodes.BAD_OPTION, 'backend must be a string, as for /api/image-nsfw.');
  }
  const classifier = models.classifier?.description.name ?? null;
  const choice = chooseBackend(parseBackend(fields.backend ?? undefined, classifier), { nudenet: models.nudenet !== null, classifier }, config.cloud);
  record.backend = backendName(choice, models);
  if (!cache.enabled) {
    record.cache = 'off';
    record.code = NOT_SEEN;
    sendJson(res, 404, { code: NOT_SEEN, desc: 'This gateway keeps no results (--cache-ttl 0): send the image itself to /api/image-nsfw.' });
    return;
  }
  const { outcome, entry } = await cache.get(scope, deps.fingerprint(choice), sha256);
  record.cache = outcome;
  deps.metrics.looked(outcome, 'hash');
  if (!entry) {
    record.code = NOT_SEEN;
    sendJson(res, 404, { code: NOT_SEEN, desc: 'This gateway has no result for that image yet: send the image itself to /api/image-nsfw.' });
    return;
  }
  const info = { type: 'bytes' as const, source: 'sha256', ...entry.input };
  sendJson(res, 200, answerFromCache(entry, { info, notes: [], started }));
}
