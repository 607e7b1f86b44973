/**
 * The library's main entry is what every page that imports Veil downloads before
 * anything else: it must stay under 15 KB gzipped, DOM helpers included. That is
 * dist/index.js and every chunk it imports statically; the worker, onnxruntime-web,
 * the model, and the remote and auto code load only when a detector needs them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module without types
import { entrySize, staticClosure } from '../../scripts/entry-size.mjs';

const entry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

describe('bundle size', () => {
  it('the main entry, with what it imports up front, is under 15 KB gzipped', () => {
    expect(existsSync(entry), 'dist/index.js is missing: run `npm run build` first (npm test does)').toBe(true);
    const { files, gzip_bytes: gzipped } = entrySize(entry) as { files: string[]; gzip_bytes: number };
    console.log(`main entry: ${files.length} files, ${(gzipped / 1024).toFixed(2)} KB gzipped`);
    expect(files.length).toBeGreaterThan(1);
    expect(gzipped).toBeLessThan(15 * 1024);
  });

  // `<veil-image>` loads Veil through the main entry (so a page using both loads it once): its budget includes it.
  for (const [name, budget] of [['element', 17], ['react', 19]] as const) {
    it(`veil-nsfw/${name}, with what it imports up front, is under ${budget} KB gzipped, React left out`, () => {
      const file = fileURLToPath(new URL(`../../dist/${name}.js`, import.meta.url));
      const { files, gzip_bytes: gzipped } = entrySize(file) as { files: string[]; gzip_bytes: number };
      console.log(`${name} entry: ${files.length} files, ${(gzipped / 1024).toFixed(2)} KB gzipped`);
      expect(files).toContain(entry);
      for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toMatch(/react\.production|__SECRET_INTERNALS|ReactSharedInternals/);
      expect(gzipped).toBeLessThan(budget * 1024);
    });
  }

  it('loads neither onnxruntime-web, the worker client nor the remote code up front', () => {
    for (const file of staticClosure(entry) as Set<string>) {
      const code = readFileSync(file, 'utf8');
      expect(code, file).not.toMatch(/onnxruntime|InferenceSession/);
      expect(code, file).not.toMatch(/app_key=|Comlink\.proxy/);
    }
  });
});
