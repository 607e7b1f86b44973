import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** WASM threads need SharedArrayBuffer, which needs a cross-origin isolated page. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// `vite` (npm start) serves the demo from demo/ with public/ (models) at /;
// `vite build` (npm run build) builds the library from src/index.ts into dist/;
// `vitest` runs the Node unit tests in test/unit/.
export default defineConfig(({ command, mode }) => {
  const demo = command === 'serve' && mode !== 'test';
  return {
  root: demo ? here('demo') : here('.'),
  // Relative URLs: the worker and WASM files load from next to dist/index.js wherever it is served.
  base: './',
  publicDir: demo ? here('public') : false,
  resolve: { alias: { veil: here('src/index.ts') } },
  server: { host: '127.0.0.1', port: 5173, headers: isolation },
  preview: { host: '127.0.0.1', port: 5173, headers: isolation },
  // onnxruntime-web finds its .wasm next to its own module; pre-bundling would move it.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' as const },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Not library mode: that inlines every asset as base64, worker and WASM included.
    rollupOptions: {
      input: { index: here('src/index.ts'), dialects: here('src/remote/dialects/index.ts') },
      preserveEntrySignatures: 'strict' as const,
      output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', assetFileNames: '[name]-[hash][extname]' },
    },
  },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/unit/**/*.test-d.ts'] },
  },
  };
});
