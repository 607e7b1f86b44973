/**
 * The request log, through pino: one JSON line per request, written when its
 * answer is out. It names the key by its id (keys-file.ts), never the key: the
 * path is logged without its query, where `apikey` may be, and no header is
 * logged. A request id from the load balancer (X-Request-Id) is kept, so a line
 * here can be matched with nginx's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { CacheOutcome } from './result-cache.js';

export type Route = 'detect' | 'hash' | 'healthz' | 'readyz' | 'metrics' | 'openapi' | 'other';

/** What one request did, filled in as it goes; logged and counted once it is answered. */
export interface RequestRecord {
  route: Route;
  client: string;
  keyId: string | null;
  /** The body's code: 200, or the error's. */
  code: number;
  backend: string | null;
  /** The result cache: hit, miss, error (answered as a miss), or off; null where it was not reached. */
  cache: CacheOutcome | 'off' | null;
  decodeMs: number | null;
  inferenceMs: number | null;
  /** True while the rate and allowance are checked: a 4029 then was counted by admission.ts. */
  admission: boolean;
}

export function newRecord(route: Route, client: string): RequestRecord {
  return { route, client, keyId: null, code: 200, backend: null, cache: null, decodeMs: null, inferenceMs: null, admission: false };
}

/** JSON lines on stdout (or `destination`), with ISO times and level names rather than numbers. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } };
  return destination ? pino(options, destination) : pino(options);
}

const REQUEST_ID = /^[\w.:-]{1,64}$/;

export function logRequest(logger: Logger, req: IncomingMessage, res: ServerResponse, record: RequestRecord, ms: number): void {
  const requestId = String(req.headers['x-request-id'] ?? '');
  const round = (value: number | null) => (value === null ? undefined : Math.round(value * 10) / 10);
  logger.info(
    {
      req_id: REQUEST_ID.test(requestId) ? requestId : undefined,
      method: req.method,
      path: (req.url ?? '/').split('?')[0]!.slice(0, 200),
      status: res.statusCode,
      code: record.code,
      key_id: record.keyId ?? undefined,
      backend: record.backend ?? undefined,
      cache: record.cache ?? undefined,
      ms: round(ms),
      decode_ms: round(record.decodeMs),
      inference_ms: round(record.inferenceMs),
      client: record.client,
      // An answer cut short (the client left, or the instance was killed) is worth telling from one sent.
      finished: res.writableFinished ? undefined : false,
    },
    'request',
  );
}
