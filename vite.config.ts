import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { contentType } from './scripts/mime-types.mjs';
import { precompressed } from './scripts/precompressed.mjs';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** WASM threads need SharedArrayBuffer, which needs a cross-origin isolated page. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The models in public/ as a static host with brotli_static/gzip_static sends
 * them: MODEL.br or MODEL.gz (written by `npx veil-nsfw models`) when the
 * browser accepts it, so the demo's first visit downloads what a site's would.
 */
function precompressedPublic(dir: string): Plugin {
  return {
    name: 'veil-precompressed-public',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = normalize(join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
        const copy = path.startsWith(dir) ? precompressed(path, req.headers['accept-encoding']) : null;
        if (!copy) return next();
        res.writeHead(200, {
          ...isolation,
          'content-type': contentType(path),
          'content-encoding': copy.encoding,
          'content-length': copy.size,
          vary: 'Accept-Encoding',
        });
        createReadStream(copy.path).pipe(res);
      });
    },
  };
}

// `vite` (npm start) serves the demo from demo/ with public/ (models) at /;
// `vitest` runs the Node unit tests in test/unit/. The library itself is built by
// Rolldown (rolldown.config.ts), not by `vite build`.
export default defineConfig(({ command, mode }) => {
  const demo = command === 'serve' && mode !== 'test';
  return {
  root: demo ? here('demo') : here('.'),
  publicDir: demo ? here('public') : false,
  plugins: demo ? [precompressedPublic(here('public'))] : [],
  resolve: { alias: { 'veil-nsfw': here('src/index.ts') } },
  server: { host: '127.0.0.1', port: 5173, headers: isolation },
  // onnxruntime-web finds its .wasm next to its own module; pre-bundling would move it.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' as const },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // Two files at once even on two cores (vitest's default there is one): most integration files wait on
    // sockets, child processes and timeouts rather than on the CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The public API's type tests: what a user's editor shows, checked by tsc.
    typecheck: { enabled: true, include: ['test/unit/**/*.test-d.ts'], tsconfig: 'test/unit/tsconfig.types.json' },
  },
  };
});
