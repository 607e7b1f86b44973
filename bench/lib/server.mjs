// @ts-check
/**
 * A static server for the benchmark, serving the repository root on loopback,
 * cross-origin isolated (WASM threads need it). Unlike the test server it lets
 * the browser cache (Cache-Control and ETag), because cold and warm visits are
 * part of what is measured, and it counts the bytes it sends per path. Like
 * nginx's brotli_static/gzip_static, it sends FILE.br or FILE.gz where one lies
 * beside the file and the browser accepts it (`npx veil-nsfw assets`, `models`
 * write them), unless started with `{ precompressed: false }`.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentType } from '../../scripts/mime-types.mjs';
import { precompressed as findCopy } from '../../scripts/precompressed.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));


/**
 * @typedef {{ path: string, status: number, bytes: number, encoding?: string }} Served
 * @typedef {{ url: string, log: Served[], close(): Promise<void> }} BenchServer
 */

/**
 * `copies`: a folder holding FILE.br/FILE.gz under each file's path from the root,
 * for files that have no copies beside them (the first-visit benchmark's, so that
 * every contender is served as one precompressing server would serve it).
 * @param {{ precompressed?: boolean, copies?: string }} [options] @returns {Promise<BenchServer & { setPrecompressed(on: boolean): void }>}
 */
export async function startServer({ precompressed = true, copies } = {}) {
  /** @type {Served[]} */
  const log = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const path = normalize(join(ROOT, decodeURIComponent(url.pathname)));
    let stat;
    try {
      stat = path.startsWith(ROOT) ? statSync(path) : undefined;
    } catch {
      stat = undefined;
    }
    if (!stat?.isFile()) {
      log.push({ path: url.pathname, status: 404, bytes: 0 });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    // A day of freshness for the heavy, versioned files; HTML is revalidated.
    res.setHeader('Cache-Control', extname(path) === '.html' ? 'no-cache' : 'public, max-age=86400');
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      log.push({ path: url.pathname, status: 304, bytes: 0 });
      res.writeHead(304).end();
      return;
    }
    const copy = precompressed
      ? (findCopy(path, req.headers['accept-encoding']) ?? (copies ? cachedCopy(copies, path, stat.mtimeMs, req.headers['accept-encoding']) : null))
      : null;
    if (copy) {
      log.push({ path: url.pathname, status: 200, bytes: copy.size, encoding: copy.encoding });
      res.writeHead(200, { 'content-type': contentType(path), 'content-encoding': copy.encoding, 'content-length': copy.size, vary: 'Accept-Encoding' });
      createReadStream(copy.path).pipe(res);
      return;
    }
    log.push({ path: url.pathname, status: 200, bytes: stat.size });
    res.writeHead(200, { 'content-type': contentType(path), 'content-length': stat.size });
    createReadStream(path).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    setPrecompressed: (/** @type {boolean} */ on) => {
      precompressed = on;
    },
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

/**
 * A copy kept in `dir` under the file's path from the root, when not older than the file.
 * @param {string} dir @param {string} path @param {number} mtimeMs @param {string | undefined} accept
 */
function cachedCopy(dir, path, mtimeMs, accept) {
  const base = join(dir, relative(ROOT, path));
  for (const [encoding, suffix] of /** @type {const} */ ([['br', '.br'], ['gzip', '.gz']])) {
    if (!new RegExp(`\\b${encoding}\\b`).test(accept ?? '')) continue;
    try {
      const s = statSync(base + suffix);
      if (s.mtimeMs >= mtimeMs) return { path: base + suffix, encoding, size: s.size };
    } catch {
      // No copy in this encoding.
    }
  }
  return null;
}
