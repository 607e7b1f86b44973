/**
 * The library's main entry is what every page that imports Veil downloads before
 * anything else: it must stay under 15 KB gzipped, DOM helpers included. The
 * worker, onnxruntime-web and the model load only when a detector is created.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const entry = new URL('../../dist/index.js', import.meta.url);

describe('bundle size', () => {
  it('dist/index.js is under 15 KB gzipped', () => {
    expect(existsSync(entry), 'dist/index.js is missing: run `npm run build` first (npm test does)').toBe(true);
    const gzipped = gzipSync(readFileSync(entry), { level: 9 }).length;
    console.log(`dist/index.js: ${(gzipped / 1024).toFixed(2)} KB gzipped`);
    expect(gzipped).toBeLessThan(15 * 1024);
  });

  it('the entry never pulls in onnxruntime-web', () => {
    const code = readFileSync(entry, 'utf8');
    expect(code).not.toMatch(/onnxruntime|InferenceSession/);
  });
});
