// webpack 5 as it comes: it follows Veil's `new Worker(new URL('./worker.js', import.meta.url))`
// and onnxruntime-web's `new URL('….wasm', import.meta.url)` by itself. public/ is served beside dist/.
import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  context: fileURLToPath(new URL('.', import.meta.url)),
  entry: './src/index.js',
  output: { path: fileURLToPath(new URL('dist', import.meta.url)), filename: 'main.js', clean: true },
  performance: { hints: false },
};
