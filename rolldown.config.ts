/**
 * `npm run build`: the library, as the package ships it, in dist/. Rolldown, not
 * `vite build`: Vite's app build would bundle the worker itself, rename its URL
 * and add its preload helper, and those are exactly what a consumer's own bundler
 * then cannot follow. The output is plain ES modules side by side:
 *
 *   index.js, dialects.js   the entries (`veil-nsfw`, `veil-nsfw/dialects`)
 *   element.js, react.js    `veil-nsfw/element`, `veil-nsfw/react` (see `components`)
 *   *-[hash].js             chunks they load (the worker client, remote, auto)
 *   worker.js               the detector worker, started by
 *                           `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`
 *   ort.*.bundle.min.mjs,   onnxruntime-web's own files, as it ships them (less a
 *   ort-wasm-*.wasm         source map comment): the worker imports them by relative
 *                           path, and they find their .wasm with
 *                           `new URL('….wasm', import.meta.url)`
 *
 * Served as they are, the files work next to each other; a consumer's Vite or
 * webpack follows the same expressions and emits everything itself. So the
 * package needs neither onnxruntime-web nor comlink at install time.
 *
 * Types: index.d.ts and dialects.d.ts, each the whole public API of its entry in
 * one file (built one at a time so neither imports an internal declaration file).
 * node.js and node.d.ts: the Node entry, `veil-nsfw/node`.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { defineConfig, type Plugin, type RolldownOptions } from 'rolldown';
import { dts } from 'rolldown-plugin-dts';

const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm'));

/** Each onnxruntime-web build the worker loads, and the .wasm that build names. */
const RUNTIMES = {
  'onnxruntime-web/wasm': ['ort.wasm.bundle.min.mjs', 'ort-wasm-simd-threaded.wasm'],
  'onnxruntime-web/webgpu': ['ort.webgpu.bundle.min.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'],
  // WebGPU where the browser has JS Promise Integration: the same runtime, 10 MB smaller.
  'onnxruntime-web/jspi': ['ort.jspi.bundle.min.mjs', 'ort-wasm-simd-threaded.jspi.wasm'],
} as const;

// In src/, the page starts the worker from its source (so Vite's dev server builds
// it for the demo); in dist/ the worker is worker.js next to the chunk that starts it.
const WORKER_SOURCE = /new URL\((["'`])\.\.\/worker\/worker\.ts\1,\s*import\.meta\.url\)/g;
const WORKER_BUILT = 'new URL("./worker.js",import.meta.url)';

const shipLayout: Plugin = {
  name: 'veil-ship-layout',
  generateBundle(_, bundle) {
    let rewritten = 0;
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue;
      // After minification, so the expression stays in the one form bundlers parse.
      chunk.code = chunk.code.replace(WORKER_SOURCE, () => (rewritten++, WORKER_BUILT));
      if (/worker\/worker\.ts/.test(chunk.code)) this.error(`${chunk.fileName} still names the worker's source`);
    }
    if (rewritten !== 1) this.error(`expected the worker's URL once in the build, found it ${rewritten} times`);
  },
  writeBundle({ dir }) {
    for (const file of Object.values(RUNTIMES).flat()) {
      if (!file.endsWith('.mjs')) {
        copyFileSync(join(ortDist, file), join(dir!, file));
        continue;
      }
      // Without its source map, whose comment would send dev servers looking for a file the package does not ship.
      const code = readFileSync(join(ortDist, file), 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
      if (code.includes('sourceMappingURL')) this.error(`${file}: its source map comment was not where expected`);
      writeFileSync(join(dir!, file), code);
    }
  },
};

const library: RolldownOptions = {
  input: { index: 'src/index.ts', dialects: 'src/remote/dialects/index.ts', worker: 'src/worker/worker.ts' },
  platform: 'browser',
  external: Object.keys(RUNTIMES),
  preserveEntrySignatures: 'strict',
  transform: { target: 'es2022' },
  plugins: [shipLayout],
  output: {
    dir: 'dist',
    cleanDir: true,
    format: 'es',
    minify: true,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    paths: Object.fromEntries(Object.entries(RUNTIMES).map(([id, [runtime]]) => [id, `./${runtime}`])),
  },
};

const MAIN_ENTRY = resolve('src/index.ts');

/**
 * `veil-nsfw/element` and `veil-nsfw/react`, built after the library: they take
 * Veil itself from `./index.js`, the main entry, so a page that uses both loads
 * Veil's code once, and the main entry keeps its chunks (splitting it into chunks
 * shared with these entries would cost it 1.4 KB of gzip). React is the app's own
 * (an optional peer dependency), never bundled.
 */
const components: RolldownOptions = {
  input: { element: 'src/element/index.ts', react: 'src/react/index.ts' },
  platform: 'browser',
  external: (id, importer) => id === 'react' || (!!importer && id.startsWith('.') && resolve(dirname(importer), id).replace(/\.js$/, '.ts') === MAIN_ENTRY),
  transform: { target: 'es2022' },
  output: {
    dir: 'dist',
    format: 'es',
    minify: true,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    paths: (id) => (id === 'react' ? id : './index.js'),
    // Next.js renders components on the server unless their module says it runs in the browser.
    banner: (chunk) => (chunk.isEntry && chunk.name === 'react' ? "'use client';" : ''),
  },
};

const types = (name: string, entry: string): RolldownOptions => ({
  input: { [name]: entry },
  plugins: [dts({ tsconfig: 'tsconfig.build.json', emitDtsOnly: true })],
  output: { dir: 'dist', format: 'es', entryFileNames: '[name].js' },
});

/**
 * `veil-nsfw/node`: the same detector on a server, one file with the model manifest
 * inlined; onnxruntime-node and sharp stay the server's own optional peers.
 */
const node: RolldownOptions = {
  input: { node: 'src/node/index.ts' },
  platform: 'node',
  external: ['onnxruntime-node', 'sharp', /^node:/],
  transform: { target: 'es2022' },
  output: { dir: 'dist', format: 'es', minify: true, entryFileNames: '[name].js' },
};

const nodeTypes: RolldownOptions = {
  input: { node: 'src/node/index.ts' },
  plugins: [dts({ tsconfig: 'tsconfig.node.json', emitDtsOnly: true })],
  output: { dir: 'dist', format: 'es', entryFileNames: '[name].js' },
};

/** Packages the command and the gateway load on a server: optional peers, never bundled. */
const SERVER_PACKAGES = ['onnxruntime-node', 'sharp', 'pino', 'prom-client', 'ioredis'];

/**
 * dist/cli/: `npx veil-nsfw` (scripts/cli/main.ts) with the model tool, the
 * nsfwjs converter and the gateway, each loaded only by its command, and the
 * gateway's decode worker beside them (pixel-pool.ts starts
 * `new URL('./pixel-worker.js', import.meta.url)`). Node-only: no entry of the
 * browser library imports any of it.
 */
const cli: RolldownOptions = {
  input: { 'veil-nsfw': 'scripts/cli/main.ts', 'pixel-worker': 'gateway/pixel-worker.ts' },
  platform: 'node',
  external: [...SERVER_PACKAGES, /^node:/],
  transform: { target: 'es2022' },
  output: { dir: 'dist/cli', format: 'es', minify: true, entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
};

export default defineConfig([
  library,
  types('index', 'src/index.ts'),
  types('dialects', 'src/remote/dialects/index.ts'),
  components,
  types('element', 'src/element/index.ts'),
  types('react', 'src/react/index.ts'),
  node,
  nodeTypes,
  cli,
]);
