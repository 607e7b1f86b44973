// The two cross-origin isolation headers (WASM threads need them), and one line for
// Veil: workers built as ES modules, so onnxruntime-web's threads can start.
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default {
  server: { headers },
  preview: { headers },
  worker: { format: 'es' },
};
