// Next.js as it comes, Turbopack (`next build`) or webpack (`next build --webpack`): both
// follow Veil's `new Worker(new URL('./worker.js', import.meta.url))` and emit the worker,
// onnxruntime-web's runtime and its .wasm by themselves. Only the two cross-origin
// isolation headers, so onnxruntime-web can run WASM threads.
export default {
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
        ],
      },
    ];
  },
};
