/**
 * A plain static host for the consumer apps, like the ones users deploy to: files
 * as they are from one or more folders (the first that has the path wins), the two
 * cross-origin isolation headers, and optionally a Content-Security-Policy on every
 * response. `hide` answers 404 for matching paths, as a host missing those files would.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
// @ts-expect-error plain ES module without types
import { contentType } from '../../scripts/mime-types.mjs';

export interface StaticHost {
  url: string;
  close(): Promise<void>;
}

export interface StaticHostOptions {
  csp?: string;
  hide?: RegExp;
}

function fileIn(roots: string[], pathname: string): string | null {
  for (const root of roots) {
    const path = normalize(join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname));
    if (!path.startsWith(root)) continue;
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // not in this folder
    }
  }
  return null;
}

export async function serveStatic(roots: string[], { csp, hide }: StaticHostOptions = {}): Promise<StaticHost> {
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cache-Control', 'no-cache');
    if (csp) res.setHeader('Content-Security-Policy', csp);
    const file = hide?.test(pathname) ? null : fileIn(roots, pathname);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': contentType(file), 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
