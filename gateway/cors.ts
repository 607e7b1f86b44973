/**
 * CORS. By default the gateway sends no CORS headers, so browsers on other
 * origins cannot call it: an API key sent from a web page is readable by anyone
 * who opens that page, so calling from browsers is something an operator turns
 * on knowingly, per origin (or `*`). Server-to-server callers never need CORS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_METHODS = 'POST, OPTIONS';
/** Headers a page may send: the protocol's own plus whatever a client adds (Veil's `remote.headers`). */
const BASE_HEADERS = ['content-type', 'x-api-key'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

export class Cors {
  /**
   * `exposed`: answer headers a page may read besides Retry-After (which a page reads
   * to back off after a 429), e.g. X-Hash-Lookup, which the library's gateway dialect
   * reads to learn that it may ask the hash look-up first.
   */
  constructor(
    private readonly origins: readonly string[],
    private readonly exposed: readonly string[] = [],
  ) {}

  /** The Access-Control-Allow-Origin value for this request's Origin, or null. */
  private allowedOrigin(origin: string | undefined): string | null {
    if (!origin || this.origins.length === 0) return null;
    if (this.origins.includes('*')) return '*';
    return this.origins.includes(origin) ? origin : null;
  }

  /** Adds the CORS headers an actual (non-preflight) response needs. */
  apply(req: IncomingMessage, res: ServerResponse): void {
    if (this.origins.length > 0 && !this.origins.includes('*')) res.setHeader('vary', 'Origin');
    const allowed = this.allowedOrigin(req.headers.origin);
    if (!allowed) return;
    res.setHeader('access-control-allow-origin', allowed);
    res.setHeader('access-control-expose-headers', ['Retry-After', ...this.exposed].join(', '));
  }

  /**
   * Answers an OPTIONS preflight: 204 with the allow headers when the origin is
   * allowed, 204 without them otherwise (the browser then refuses the call).
   */
  preflight(req: IncomingMessage, res: ServerResponse): void {
    this.apply(req, res);
    if (this.allowedOrigin(req.headers.origin)) {
      const requested = String(req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h && HEADER_NAME.test(h));
      res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
      res.setHeader('access-control-allow-headers', [...new Set([...BASE_HEADERS, ...requested])].join(', '));
      res.setHeader('access-control-max-age', '600');
    }
    res.writeHead(204, { allow: ALLOWED_METHODS, 'content-length': '0' });
    res.end();
  }
}
