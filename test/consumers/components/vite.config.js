// One Vite app, three frameworks: a page each for React, Vue 3 and Svelte 5, using Veil
// as docs/components.md shows. Vue is told that <veil-image> is a custom element.
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default {
  plugins: [react(), vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'veil-image' } } }), svelte()],
  server: { headers },
  preview: { headers },
  worker: { format: 'es' },
  // React's StrictMode mounts, unmounts and mounts again only in a development build: the leak test needs it.
  define: { 'process.env.NODE_ENV': JSON.stringify('development') },
  build: { rollupOptions: { input: { react: 'react.html', vue: 'vue.html', svelte: 'svelte.html' } } },
};
