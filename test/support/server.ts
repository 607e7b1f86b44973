/**
 * A static server for the browser tests, serving the repository root on loopback.
 * Pages are cross-origin isolated (COOP + COEP), as WASM threads need, unless the
 * page URL carries `?isolated=0`. Every request is logged so tests can assert
 * what the page fetched, except `/__blank`: an empty isolated page, where a page
 * shared between tests waits (test/browser/fixtures.ts). For error tests: `/__status/<code>` answers that status,
 * `/__redirect-loop` redirects forever, `/__slow/<ms>/…` stalls mid-body for that long.
 * `?cors=0` (or `cors: false` for the whole server) leaves out Access-Control-Allow-Origin.
 * For the blurOnRender security tests: `/__png/<pass|review|block>` is a generated
 * image of known verdict, and `/__by-dest?image=<path>&other=<path>` answers as
 * `image` when the browser asks for an <img> (Sec-Fetch-Dest: image) and as `other`
 * to anything else (fetch(), a worker), as a host that tells requests apart can.
 * Where FILE.br or FILE.gz lies beside a file (`npx veil-nsfw assets`, `models`) and
 * the browser accepts that encoding, the copy is sent with Content-Encoding, as
 * nginx's brotli_static and gzip_static do; `encodings` records what each path was sent as.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentType } from '../../scripts/mime-types.mjs';
import { precompressed } from '../../scripts/precompressed.mjs';
import { VERDICT_IMAGES } from './png.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface TestServer {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** For each path sent precompressed, the Accept-Encoding asked and the Content-Encoding sent. */
  encodings: Map<string, { accept: string; sent: 'br' | 'gzip' }>;
  close(): Promise<void>;
}

/**
 * `cors: false` serves like an ordinary CDN without CORS: pages elsewhere may show
 * its images but not read them. `csp` sends that Content-Security-Policy on every response.
 */
export async function startServer({ cors = true, csp }: { cors?: boolean; csp?: string } = {}): Promise<TestServer> {
  const requests: string[] = [];
  const encodings: TestServer['encodings'] = new Map();
  const server: Server = createServer((req, res) => {
    let url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/__blank') {
      // Not logged: it is where the shared page waits between tests, not something a test fetched.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      res.end('<!doctype html><title>blank</title>');
      return;
    }
    requests.push(url.pathname);
    if (url.pathname === '/__by-dest') {
      const pick = url.searchParams.get(req.headers['sec-fetch-dest'] === 'image' ? 'image' : 'other') ?? '/';
      url = new URL(pick, url);
      res.setHeader('Vary', 'Sec-Fetch-Dest');
    }
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    // Without CORS a server lets other sites show its images but not read them.
    if (cors && url.searchParams.get('cors') !== '0') res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'no-cache');
    // A site-wide policy, as servers usually send it: on the page and on the worker scripts alike.
    if (csp) res.setHeader('Content-Security-Policy', csp);
    if (url.searchParams.get('isolated') !== '0') {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (url.pathname === '/__redirect-loop') {
      res.writeHead(302, { location: `/__redirect-loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}` }).end();
      return;
    }
    const slow = /^\/__slow\/(\d+)(\/.*)$/.exec(url.pathname);
    if (slow) {
      // Headers now, the body never: a server that stalls mid-answer.
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(Buffer.from([0xff, 0xd8, 0xff]));
      const timer = setTimeout(() => res.end(), Number(slow[1]));
      res.on('close', () => clearTimeout(timer));
      return;
    }
    const verdict = /^\/__png\/(pass|review|block)$/.exec(url.pathname);
    if (verdict) {
      res.writeHead(200, { 'content-type': 'image/png' }).end(VERDICT_IMAGES[verdict[1] as keyof typeof VERDICT_IMAGES]());
      return;
    }
    const status = /^\/__status\/(\d{3})$/.exec(url.pathname);
    if (status) {
      res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end(`status ${status[1]}`);
      return;
    }
    const path = normalize(join(ROOT, decodeURIComponent(url.pathname)));
    let size = -1;
    try {
      if (path.startsWith(ROOT)) size = statSync(path).isFile() ? statSync(path).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const copy = precompressed(path, req.headers['accept-encoding']);
    if (copy) {
      encodings.set(url.pathname, { accept: String(req.headers['accept-encoding']), sent: copy.encoding });
      res.writeHead(200, { 'content-type': contentType(path), 'content-encoding': copy.encoding, 'content-length': copy.size, vary: 'Accept-Encoding' });
      createReadStream(copy.path).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': contentType(path), 'content-length': size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    encodings,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
