import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** WASM threads need SharedArrayBuffer, which needs a cross-origin isolated page. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// `vite` (npm start) serves the demo from demo/ with public/ (models) at /;
// `vitest` runs the Node unit tests in test/unit/. The library itself is built by
// Rolldown (rolldown.config.ts), not by `vite build`.
export default defineConfig(({ command, mode }) => {
  const demo = command === 'serve' && mode !== 'test';
  return {
  root: demo ? here('demo') : here('.'),
  publicDir: demo ? here('public') : false,
  resolve: { alias: { 'veil-nsfw': here('src/index.ts') } },
  server: { host: '127.0.0.1', port: 5173, headers: isolation },
  // onnxruntime-web finds its .wasm next to its own module; pre-bundling would move it.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' as const },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/unit/**/*.test-d.ts'] },
  },
  };
});
