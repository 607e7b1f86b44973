// Rollup 4 with node-resolve, as most Rollup apps are set up. Rollup leaves Veil's
// `new URL('./worker.js', import.meta.url)` as it is, so `veil-nsfw assets --out dist`
// (in package.json's build script) puts the worker and its files next to the bundle.
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: 'src/index.js',
  output: { dir: 'dist', format: 'es' },
  plugins: [nodeResolve({ browser: true })],
};
